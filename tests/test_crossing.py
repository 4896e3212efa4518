"""Stories across languages: reports of one event in English and French, written for these tests."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import sparse

from digest.cluster import (
    LANGUAGE_MARK,
    NAME_MARK,
    STREET_MARK,
    assign,
    features,
    language_of,
    names_matrix,
    places_of,
)
from digest.config import StorySettings
from digest.crossing import NAME_WEIGHT, UNKNOWN, crossing_terms
from digest.language import names
from digest.models import LANGUAGES, Article, Placed
from digest.sentences import word_start
from digest.vectors import decode, encode
from tests.test_cluster import (
    FOOTBALL,
    MEMPHIS_FIRST,
    PENSIONS,
    QUAKE_A,
    RATES,
    STRIKE_EN,
    STRIKE_FR,
    article,
    placed,
    together,
)

# A shipwreck told in English and in French: the reports share names and numbers, and little else.
WRECK_EN = (
    "Migrant boat capsizes off Agrigento; dozens missing",
    "A fishing boat carrying migrants capsized on Sunday night off Agrigento, Sicily, after "
    "its engine failed in heavy seas, the Italian coast guard said. Of the 212 people on "
    "board, 198 were rescued and 14 are missing.\n\nThe skipper, Marco Galvano, was detained "
    "in Palermo. Frontex aircraft and divers from Trapani searched the area on Monday.",
)
WRECK_EN_DAY_2 = (
    "Search goes on for migrants missing off Agrigento",
    "Rescuers kept searching the sea off Agrigento on Monday for 14 people missing since "
    "the overcrowded boat overturned. The coast guard said 198 survivors were taken ashore; "
    "Frontex planes joined the search from Trapani.\n\nMarco Galvano, the skipper, is being "
    "questioned by prosecutors in Palermo.",
)
WRECK_FR = (
    "Naufrage au large d'Agrigento : quatorze disparus",
    "Un bateau de pêche transportant des migrants a chaviré dimanche soir au large "
    "d'Agrigento, en Sicile, après une panne de moteur par forte houle, selon les garde-côtes "
    "italiens. Sur les 212 personnes à bord, 198 ont été secourues.\n\nLe passeur, Marco "
    "Galvano, a été placé en garde à vue à Palermo. Des avions de Frontex et des plongeurs "
    "venus de Trapani ont fouillé la zone lundi.",
)
# Another event in the same place, reported in French.
FOREST_FIRE_FR = (
    "Incendie de forêt près d'Agrigento",
    "Un incendie a détruit près de 300 hectares d'oliviers et de pins sur les collines "
    "proches d'Agrigento, dans la nuit de mardi. Une soixantaine de pompiers, aidés par deux "
    "bombardiers d'eau, ont maîtrisé les flammes au petit matin.\n\nLe maire demande l'aide "
    "de l'État pour les apiculteurs dont les ruches ont brûlé.",
)


BUDGET_FR = (
    "Le conseil municipal adopte le budget de la ville",
    "Le conseil municipal de Nantes a adopté lundi soir un budget de 612 millions d'euros pour "
    "l'année prochaine, après une séance de plus de cinq heures. L'opposition a voté contre, "
    "dénonçant une hausse de la taxe foncière.\n\nLa maire a promis de nouvelles pistes "
    "cyclables et la rénovation de trois écoles du centre.",
)
ELECTION_FR = (
    "Élection présidentielle : le premier tour fixé au mois d'avril",
    "Le gouvernement a fixé la date du premier tour de l'élection présidentielle au dimanche "
    "12 avril, a annoncé le porte-parole à l'issue du conseil des ministres. Les candidats "
    "devront déposer leurs parrainages avant la fin du mois de mars.\n\nLes partis de "
    "l'opposition réclament un débat télévisé avant le premier tour.",
)


def written_in(language: str, story: tuple[str, str], *, days: float, source: str) -> Article:
    return replace(article(story, days=days, source=source), language=language)


def french(story: tuple[str, str], *, days: float, source: str = "Le Quotidien") -> Article:
    return written_in("fr", story, days=days, source=source)


def background() -> list[Article]:
    """Other news of the days before, in both languages: what a build has at hand."""
    return [
        article(STRIKE_EN, days=-1),
        french(STRIKE_FR, days=-0.9),
        french(BUDGET_FR, days=-0.8),
        french(ELECTION_FR, days=-0.7),
        article(QUAKE_A, days=-0.5),
        article(PENSIONS, days=-0.4),
        article(FOOTBALL, days=-0.3),
    ]


def test_a_report_in_another_language_joins_the_story_whose_names_and_numbers_it_shares():
    english = article(WRECK_EN, source="Wire")
    fire = french(FOREST_FIRE_FR, days=0.2)  # while the story is told in English only
    french_report = french(WRECK_FR, days=0.3)
    day_2 = article(WRECK_EN_DAY_2, days=1, source="Radio")
    news = [*background(), english, fire, french_report, day_2]
    story_of = assign([placed(a) for a in news], [], StorySettings())
    assert together(story_of, english, french_report, day_2)
    assert story_of[fire.id] != story_of[english.id]
    strike_en, strike_fr, *others = background()
    assert together(story_of, strike_en, strike_fr)  # the rail strike, in both languages
    assert len({story_of[a.id] for a in [strike_en, *others]}) == len(others) + 1


def test_a_story_in_one_language_takes_no_report_of_another_event_in_the_other():
    stored = [
        placed(article(WRECK_EN), "s-wreck"),
        placed(article(WRECK_EN_DAY_2, days=1), "s-wreck"),
    ]
    fire = french(FOREST_FIRE_FR, days=1.5)
    story_of = assign(
        [placed(fire)],
        [*stored, *(placed(a, f"s{i}") for i, a in enumerate(background()))],
        StorySettings(),
    )
    assert story_of[fire.id] != "s-wreck"


def test_a_stream_of_daily_builds_places_the_reports_as_one_build_does():
    news = [
        *background(),
        article(WRECK_EN),
        french(WRECK_FR, days=0.3),
        article(WRECK_EN_DAY_2, days=1),
    ]
    at_once = assign([placed(a) for a in news], [], StorySettings())
    stored: list[Placed] = []
    for day in sorted({a.published.date() for a in news if a.published}):
        today = [a for a in news if a.published and a.published.date() == day]
        got = assign([placed(a) for a in today], stored, StorySettings())
        stored += [placed(a, got[a.id]) for a in today]
    streamed = {p.article_id: p.story_id for p in stored}
    assert _groups(streamed) == _groups(at_once)


def test_features_hold_the_language_apart_from_the_words_and_streets():
    english, french_report = article(MEMPHIS_FIRST), french(WRECK_FR, days=0)
    assert language_of(features(english)) == list(LANGUAGES).index("en")
    assert language_of(features(french_report)) == list(LANGUAGES).index("fr")
    terms, _ = decode(features(english))
    assert terms[-1] == LANGUAGE_MARK + list(LANGUAGES).index("en")
    assert places_of(features(english)) == frozenset(
        terms[(terms >= STREET_MARK) & (terms < LANGUAGE_MARK)].tolist()
    )
    assert len(places_of(features(english))) == 1


def test_features_stored_before_the_language_was_read_as_unknown():
    terms, weights = decode(features(article(WRECK_EN)))
    kept = terms < LANGUAGE_MARK
    old = encode(terms[kept].astype(np.int64), weights[kept].astype(np.float64))
    assert language_of(old) == UNKNOWN
    assert places_of(old) == places_of(features(article(WRECK_EN)))


def test_a_story_of_features_stored_before_keeps_its_plain_cosine():
    """Its language unknown, a story stored before is never compared on the crossing terms: a
    store migration recomputes the features to let it be."""

    def old(item: Article, story: str) -> Placed:
        terms, weights = decode(features(item))
        kept = terms < LANGUAGE_MARK
        blob = encode(terms[kept].astype(np.int64), weights[kept].astype(np.float64))
        return Placed(item.id, story, item.published, blob)  # type: ignore[arg-type]

    stored = [old(article(WRECK_EN), "s-wreck"), old(article(WRECK_EN_DAY_2, days=1), "s-wreck")]
    stored += [old(a, f"s{i}") for i, a in enumerate(background())]
    report = french(WRECK_FR, days=1.2)
    assert assign([placed(report)], stored, StorySettings())[report.id] != "s-wreck"
    recomputed = [
        replace(p, features=features(a))
        for p, a in zip(
            stored, [article(WRECK_EN), article(WRECK_EN_DAY_2, days=1), *background()], strict=True
        )
    ]
    assert assign([placed(report)], recomputed, StorySettings())[report.id] == "s-wreck"


def test_crossing_terms_are_those_held_in_two_languages_or_none_with_one():
    counts = sparse.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 1]]))
    en, fr = list(LANGUAGES).index("en"), list(LANGUAGES).index("fr")
    assert crossing_terms(counts, np.array([en, en, en, en])) is None
    assert crossing_terms(counts, np.array([en, en, fr, UNKNOWN])).columns.tolist() == [2]
    assert crossing_terms(counts, np.array([en, fr, en, fr])).columns.tolist() == [0, 1, 2, 3]
    # Names: those held in two languages, weighed beside the words.
    names = sparse.csr_matrix(np.array([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    terms = crossing_terms(counts, np.array([en, en, fr, fr]), names)
    assert terms is not None
    assert np.allclose(terms.names.toarray(), names.toarray() * NAME_WEIGHT)
    terms = crossing_terms(counts, np.array([fr, en, fr, en]), names)  # the first: French only
    assert terms is not None
    assert np.allclose(terms.names.toarray(), names[:, [1]].toarray() * NAME_WEIGHT)


def _groups(story_of: dict[str, str | None]) -> set[frozenset[str]]:
    groups: dict[str | None, set[str]] = {}
    for article_id, story in story_of.items():
        groups.setdefault(story, set()).add(article_id)
    return {frozenset(group) for group in groups.values()}


STRIKE_DE = (
    "Bahnstreik legt Züge rund um Lyon lahm",
    "Die Eisenbahner der SNCF haben am Dienstag in Lyon die Arbeit niedergelegt; 340 Züge in "
    "der Region Auvergne-Rhône-Alpes fielen aus. Nach Angaben der Gewerkschaft CGT schlossen "
    "sich 4200 Lokführer und Zugbegleiter dem Streik an.\n\nGewerkschafterin Martine Girardot "
    "sagte in Lyon, die Gespräche mit der SNCF würden am Freitag fortgesetzt. Am Bahnhof "
    "Part-Dieu drängten sich die Pendler in den Bussen.",
)
STRIKE_ES = (
    "Huelga ferroviaria paraliza los trenes en Lyon",
    "Los ferroviarios de la SNCF dejaron de trabajar el martes en Lyon y se suprimieron 340 "
    "trenes en la región de Auvergne-Rhône-Alpes. Según el sindicato CGT, 4200 maquinistas y "
    "revisores se sumaron a la huelga por los salarios.\n\nLa sindicalista Martine Girardot "
    "dijo en Lyon que las negociaciones con la SNCF se reanudarán el viernes. Los usuarios "
    "abarrotaban los autobuses en la estación de Part-Dieu.",
)


def test_reports_of_one_strike_in_four_languages_make_one_story():
    reports = [
        article(STRIKE_EN, source="Wire"),
        french(STRIKE_FR, days=0.1),
        replace(article(STRIKE_DE, days=0.2, source="Tagesblatt"), language="de"),
        replace(article(STRIKE_ES, days=0.3, source="El Diario"), language="es"),
    ]
    others = [
        article(QUAKE_A, days=-0.5),
        article(PENSIONS, days=-0.4),
        article(FOOTBALL, days=-0.3),
    ]
    story_of = assign([placed(a) for a in [*others, *reports]], [], StorySettings())
    assert together(story_of, *reports)
    assert len({story_of[a.id] for a in others} | {story_of[reports[0].id]}) == 4


def test_a_story_told_in_two_languages_is_briefed_in_the_language_of_most_of_its_reports():
    from digest.config import BriefSettings
    from digest.models import Story
    from digest.summarize import summarize

    english = [article(WRECK_EN, source="Wire"), article(WRECK_EN_DAY_2, days=1, source="Post")]
    story = Story("s-wreck", (*english, french(WRECK_FR, days=0.5)))
    brief = summarize(story, BriefSettings())
    assert brief.sentences
    # Every sentence quoted is English; the French report is a source (and corroborates the
    # facts it shares: "Sur les 212 personnes à bord, 198 ont été secourues").
    assert all(any(s.text in a.text for a in english) for s in brief.sentences)
    assert len(brief.articles) == 3
    # Briefed in French when most of its reports are.
    reports = (english[0], french(WRECK_FR, days=0.5), french(FOREST_FIRE_FR, days=0.6))
    brief = summarize(Story("s-wreck-fr", reports), BriefSettings())
    assert brief.sentences
    assert all(s.text not in english[0].text for s in brief.sentences)


WRECK_FR_DAY_3 = (
    "Naufrage d'Agrigento : le passeur mis en examen",
    "Le parquet de Palerme a mis en examen mercredi Marco Galvano pour homicide involontaire. "
    "Les plongeurs ont retrouvé six corps dans l'épave, par quarante mètres de fond.\n\n"
    "Huit personnes sont toujours portées disparues, selon les garde-côtes italiens.",
)


def test_an_update_whose_only_news_is_in_the_minority_language_is_briefed_in_it(tmp_path):
    from datetime import timedelta

    from digest import pipeline
    from tests.conftest import NOW, make_config, make_inbox, txt

    config = make_config(tmp_path)
    day = NOW.date()
    make_inbox(config.paths.inbox, {"wreck.txt": txt(*WRECK_EN, source="Wire", date=str(day))})
    pipeline.build(config, now=NOW)
    _, text = WRECK_EN
    later = str(day + timedelta(days=1))
    make_inbox(config.paths.inbox, {
        "copy-1.txt": txt("Dozens missing off Agrigento after boat capsizes", text,
                          source="Post", date=later),
        "copy-2.txt": txt("Boat capsizes off Agrigento, dozens missing", text,
                          source="Herald", date=later),
        "fr.txt": txt(*WRECK_FR_DAY_3, source="Le Quotidien", date=later),
    })  # fmt: skip
    second = pipeline.build(config, now=NOW + timedelta(days=1))
    [brief] = second.digest.briefs  # two English re-runs outnumber the French report: its news
    assert brief.sentences and all(s.text in WRECK_FR_DAY_3[1] for s in brief.sentences)
    assert brief.headline == WRECK_FR_DAY_3[0]  # not a re-run's English title


def test_a_dry_run_on_a_state_of_the_version_before_places_reports_as_the_build_does(tmp_path):
    import sqlite3
    from datetime import timedelta

    from digest import pipeline
    from tests.conftest import NOW, make_config, make_inbox, txt

    config = make_config(tmp_path)
    day = str(NOW.date())
    files = {"wreck.txt": txt(*WRECK_EN, source="Wire", date=day),
             "wreck-2.txt": txt(*WRECK_EN_DAY_2, source="Post", date=day),
             "strike.txt": txt(*STRIKE_EN, source="Wire", date=day),
             "greve.txt": txt(*STRIKE_FR, source="Le Quotidien", date=day),
             "pensions.txt": txt(*PENSIONS, source="Wire", date=day)}  # fmt: skip
    make_inbox(config.paths.inbox, files)
    first = pipeline.build(config, now=NOW)
    [wreck] = [b.story_id for b in first.digest.briefs if len(b.articles) == 2 and
               {a.file for a in b.articles} == {"wreck.txt", "wreck-2.txt"}]  # fmt: skip
    with sqlite3.connect(config.paths.state) as db:  # as the version before stored them
        for article_id, blob in db.execute("SELECT id, features FROM articles").fetchall():
            terms, weights = decode(blob)
            kept = terms < LANGUAGE_MARK
            old = encode(terms[kept].astype(np.int64), weights[kept].astype(np.float64))
            db.execute("UPDATE articles SET features = ? WHERE id = ?", (old, article_id))
        db.execute("PRAGMA user_version = 11")
    later = str(NOW.date() + timedelta(days=1))
    make_inbox(config.paths.inbox, {"fr.txt": txt(*WRECK_FR, source="Le Quotidien", date=later)})
    now = NOW + timedelta(days=1)
    runs = [pipeline.build(config, now=now, dry_run=dry) for dry in (True, False)]
    dry, real = ([(b.story_id, b.status) for b in run.digest.briefs] for run in runs)
    assert dry == real == [(wreck, "updated")]  # the French report joins the English story


# Two events in one city, in two languages: they share the city, the country and "police".
FIRE_EN = (
    "Fire at chemical plant near Lyon forces evacuation",
    "A fire broke out on Thursday at a chemical plant in Saint-Fons, south of Lyon in eastern "
    "France, and 400 residents were evacuated as black smoke drifted over the valley. Police "
    "closed the motorway for three hours.\n\nThe regional health agency said the air quality "
    "was being monitored and asked residents to keep windows shut. The plant's operator said "
    "no one was hurt.",
)
TRAM_FR = (
    "Accident de tramway à Lyon : douze blessés",
    "Un tramway a déraillé jeudi soir dans le quartier de la Guillotière, à Lyon, faisant douze "
    "blessés dont deux graves. La police a bouclé le secteur pendant plusieurs heures.\n\nLe "
    "conducteur a été entendu par les enquêteurs. C'est le troisième accident de ce type en "
    "France cette année, selon le syndicat des transports.",
)


def test_two_events_in_one_city_in_two_languages_stay_apart_when_they_share_only_common_words():
    fire, tram = article(FIRE_EN), french(TRAM_FR, days=0.2)
    others = [article(QUAKE_A, days=-1), article(PENSIONS, days=-0.9), article(RATES, days=-0.7),
              french(STRIKE_FR, days=-0.6), article(STRIKE_EN, days=-0.5)]  # fmt: skip
    story_of = assign([placed(a) for a in [*others, fire, tram]], [], StorySettings())
    assert story_of[fire.id] != story_of[tram.id]


def test_a_report_in_another_language_of_what_a_digest_showed_is_no_news():
    from digest.config import BriefSettings
    from digest.models import Coverage, History, Story
    from digest.summarize import summarize

    seen = article(WRECK_EN, source="Wire")
    first = summarize(Story("s-wreck", (seen,)), BriefSettings())
    shown = Coverage("digest-1", seen.published, first.headline, first.sentences)
    history = History((shown,), frozenset({seen.id}))
    update = summarize(Story("s-wreck", (seen, french(WRECK_FR, days=1)), history), BriefSettings())
    told = "Sur les 212 personnes à bord, 198 ont été secourues."  # "Of the 212 …, 198 were"
    assert told not in [s.text for s in update.sentences]


def test_a_report_in_another_language_of_the_same_people_doing_something_else_is_news():
    from digest.config import BriefSettings
    from digest.models import Coverage, History, Story
    from digest.summarize import summarize

    seen = article(WRECK_EN, source="Wire")
    first = summarize(Story("s-wreck", (seen,)), BriefSettings())
    assert any("Galvano, was detained in Palermo" in s.text for s in first.sentences)
    shown = Coverage("digest-1", seen.published, first.headline, first.sentences)
    released = french(("Le passeur libéré", "Marco Galvano a été libéré sans charges mercredi par "
                       "la justice de Palermo, faute de preuves."), days=1)  # fmt: skip
    update = summarize(
        Story("s-wreck", (seen, released), History((shown,), frozenset({seen.id}))),
        BriefSettings(),
    )
    assert [s.text for s in update.sentences] == [released.text]  # names alone tell no repeat


def test_a_brief_in_one_language_takes_its_headline_from_a_title_in_that_language():
    from digest.config import BriefSettings
    from digest.models import Coverage, History, Story
    from digest.summarize import summarize

    seen = article(WRECK_EN, source="Wire")
    first = summarize(Story("s-wreck", (seen,)), BriefSettings())
    history = History((Coverage("digest-1", seen.published, first.headline, first.sentences),),
                      frozenset({seen.id}))  # fmt: skip
    reruns = [
        article(("Dozens missing off Agrigento after boat capsizes", WRECK_EN[1]), days=1),
        article(("Boat capsizes off Agrigento, dozens missing", WRECK_EN[1]), days=1.1),
    ]
    news = french(WRECK_FR_DAY_3, days=1.2)
    update = summarize(Story("s-wreck", (seen, *reruns, news), history), BriefSettings())
    assert update.sentences and all(s.text in news.text for s in update.sentences)
    assert update.headline == WRECK_FR_DAY_3[0]


# A flood in Valencia, in English and in Spanish: the Spanish stemmer makes its own term of most
# of the names ("valenci", "paiport", "ferrandis"), so the two reports share names, not terms.
FLOOD_EN = (
    "Flash floods kill 48 around Valencia",
    "Flash floods swept through towns south of Valencia on Tuesday night, killing at least 48 "
    "people, after a storm dropped a year's rain in eight hours, the weather agency AEMET "
    "said. In Paiporta, the Poyo ravine burst its banks and cars were "
    "carried into the streets.\n\nRegional president Lucía Ferrandis said 2,300 rescuers, "
    "including soldiers, were searching for the missing in Paiporta, Catarroja and Alfafar. "
    "Schools in Valencia will stay shut until Friday.",
)
FLOOD_ES = (
    "Las inundaciones dejan 48 muertos en torno a Valencia",
    "Las riadas arrasaron el martes por la noche varios municipios al sur de Valencia y "
    "causaron al menos 48 muertos, después de que una tormenta descargara la lluvia de un año "
    "en ocho horas, según la AEMET. En Paiporta, el barranco del Poyo se desbordó y "
    "arrastró los coches por las calles.\n\nLa presidenta regional, Lucía Ferrandis, afirmó que "
    "2.300 efectivos, entre ellos militares, buscan a los desaparecidos en Paiporta, Catarroja "
    "y Alfafar. Los colegios de Valencia seguirán cerrados hasta el viernes.",
)
# Another event in Valencia, in Spanish, on the same days.
METRO_ES = (
    "Huelga en el metro de Valencia",
    "Los trabajadores de Metrovalencia iniciaron el miércoles una huelga de 24 horas por el "
    "convenio colectivo, y la empresa FGV fijó servicios mínimos del 40 por ciento. Miles de "
    "usuarios esperaron en los andenes de Xàtiva y Colón.\n\nEl comité de empresa acusa a la "
    "dirección de bloquear la negociación desde hace meses.",
)
BACKGROUND_ES = (
    "El Congreso aprueba la reforma de las pensiones",
    "El Congreso de los Diputados aprobó el jueves la reforma de las pensiones con 178 votos a "
    "favor, tras un debate de más de seis horas. La oposición votó en contra y anunció un "
    "recurso ante el Tribunal Constitucional.\n\nEl Gobierno calcula que la medida afectará a "
    "nueve millones de pensionistas a partir de enero.",
)


def spanish(story: tuple[str, str], *, days: float, source: str = "El Diario") -> Article:
    return written_in("es", story, days=days, source=source)


def test_names_are_read_unstemmed_and_without_accents_so_they_match_across_languages():
    english, report = features(article(FLOOD_EN)), features(spanish(FLOOD_ES, days=0.1))
    matrix = names_matrix([english, report]).toarray() > 0
    shared = int((matrix[0] & matrix[1]).sum())
    # Valencia, Paiporta, Lucía Ferrandis, AEMET, Poyo, Catarroja, Alfafar
    assert shared >= 8
    stems_en = set(decode(english)[0][decode(english)[0] < 1 << 24].tolist())
    stems_es = set(decode(report)[0][decode(report)[0] < 1 << 24].tolist())
    assert len(stems_en & stems_es) < shared  # each stemmer makes its own term of most names
    mayor = "Le maire de Paris, Anne Hidalgo, a parlé à l'AFP d'Agrigento.\n« Lyon » aussi"
    found = list(names(mayor))
    assert [name for _, name in found] == ["paris", "anne", "hidalgo", "afp", "agrigento"]
    assert [mayor[at : at + 5] for at, _ in found] == ["Paris", "Anne ", "Hidal", "l'AFP", "d'Agr"]
    visit = "A visit by Obama's team to Zürich. It cost 3 or 1200 euros, 60,000 in all"
    assert [name for _, name in names(visit)] == ["obama", "zurich"]  # no numbers
    # The lead's end: where the word of that number starts (as `sentences.words` counts).
    assert word_start(visit, 3) == visit.index("Obama")
    assert word_start(visit, 12) == visit.index("euros")
    assert word_start(visit, 99) == len(visit)


def test_a_flood_in_valencia_reported_in_english_and_spanish_makes_one_story():
    english, report = article(FLOOD_EN, source="Wire"), spanish(FLOOD_ES, days=0.2)
    others = [article(QUAKE_A, days=-1), article(PENSIONS, days=-0.9), article(RATES, days=-0.7),
              spanish(BACKGROUND_ES, days=-0.6), article(STRIKE_EN, days=-0.5)]  # fmt: skip
    story_of = assign([placed(a) for a in [*others, english, report]], [], StorySettings())
    assert together(story_of, english, report)
    assert len({story_of[a.id] for a in [*others, english]}) == len(others) + 1
    # A stream of builds, the Spanish report the day after: the same.
    stored = [placed(a, story_of[a.id]) for a in [*others, english]]
    later = spanish(FLOOD_ES, days=1)
    assert assign([placed(later)], stored, StorySettings())[later.id] == story_of[english.id]


def test_two_events_in_one_city_in_english_and_spanish_stay_apart():
    flood, metro = article(FLOOD_EN, source="Wire"), spanish(METRO_ES, days=0.5)
    others = [article(QUAKE_A, days=-1), article(PENSIONS, days=-0.9),
              spanish(BACKGROUND_ES, days=-0.6), article(STRIKE_EN, days=-0.5)]  # fmt: skip
    story_of = assign([placed(a) for a in [*others, flood, metro]], [], StorySettings())
    assert story_of[flood.id] != story_of[metro.id]


def test_a_state_of_schema_12_gets_its_names_and_keeps_every_id(tmp_path):
    import sqlite3
    from datetime import timedelta

    from digest import pipeline
    from digest.cluster import BUCKETS
    from digest.migrations import MIGRATIONS
    from digest.store import Store
    from tests.conftest import NOW, make_config, make_inbox, txt

    config = make_config(tmp_path)
    day = str(NOW.date())
    make_inbox(config.paths.inbox, {
        "flood.txt": txt(*FLOOD_EN, source="Wire", date=day),
        "quake.txt": txt(*QUAKE_A, source="Wire", date=day),
        "pensiones.txt": txt(*BACKGROUND_ES, source="El Diario", date=day),
    })  # fmt: skip
    first = pipeline.build(config, now=NOW)
    [flood] = [b.story_id for b in first.digest.briefs if b.articles[0].file == "flood.txt"]
    columns = "id, story_id, seq, title, text"
    with sqlite3.connect(config.paths.state) as db:  # as schema 12 stored the features
        before = db.execute(f"SELECT {columns} FROM articles ORDER BY seq").fetchall()
        for article_id, blob in db.execute("SELECT id, features FROM articles").fetchall():
            terms, weights = decode(blob)
            kept = (terms < NAME_MARK) | (terms >= STREET_MARK)  # no names
            # The streets and the language stood a BUCKETS lower (`places_of` reads them).
            old_terms = np.where(terms >= STREET_MARK, terms - BUCKETS, terms)[kept]
            old = encode(old_terms.astype(np.int64), weights[kept].astype(np.float64))
            db.execute("UPDATE articles SET features = ? WHERE id = ?", (old, article_id))
        db.execute("PRAGMA user_version = 12")
        stories = db.execute("SELECT id FROM stories ORDER BY id").fetchall()
    later = str(NOW.date() + timedelta(days=1))
    make_inbox(config.paths.inbox, {"riada.txt": txt(*FLOOD_ES, source="El Diario", date=later)})
    now = NOW + timedelta(days=1)
    runs = [pipeline.build(config, now=now, dry_run=dry) for dry in (True, False)]
    dry, real = ([(b.story_id, b.status) for b in run.digest.briefs] for run in runs)
    assert dry == real == [(flood, "updated")]  # the Spanish report joins the English story
    with Store.open(config.paths.state) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 13
        after = store.db.execute(f"SELECT {columns} FROM articles ORDER BY seq").fetchall()
        assert after[: len(before)] == before  # every article, its id and its story kept
        assert store.db.execute("SELECT id FROM stories ORDER BY id").fetchall() == stories
        for row in after[: len(before)]:
            [stored] = store.articles_by_id([row[0]]).values()
            [(blob,)] = store.db.execute("SELECT features FROM articles WHERE id = ?", (row[0],))
            assert blob == features(stored)


def test_the_names_matrix_holds_each_article_s_own_names():
    street = ("Fire on Baker Street", "A fire broke out at 221 Baker Street in London on Monday.")
    items = [article(FLOOD_EN), article(QUAKE_A), spanish(FLOOD_ES, days=1), article(RATES)]
    blobs = [features(a) for a in [*items, article(street)]]
    matrix = names_matrix(blobs)
    stored = [decode(blob) for blob in blobs]
    assert (stored[-1][0] >= STREET_MARK).any()  # streets come after the names: none is one
    kept = [(terms >= NAME_MARK) & (terms < STREET_MARK) for terms, _ in stored]
    every = np.unique(
        np.concatenate([terms[k] for (terms, _), k in zip(stored, kept, strict=True)])
    )
    assert matrix.shape == (len(blobs), len(every))
    for row, ((terms, counts), k) in enumerate(zip(stored, kept, strict=True)):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        assert every[matrix.indices[start:end]].tolist() == terms[k].tolist()
        assert np.allclose(matrix.data[start:end], np.log1p(counts[k]))
    assert matrix[0].nnz > 5 and matrix[1].nnz > 0  # names and numbers
    assert names_matrix([]).shape == (0, 0)


# Two events of one region on one day, in English and Spanish, that share the city, the regional
# president's first name and surname and the news agency: four names, and nothing else.
WILDFIRE_EN = (
    "Wildfire forces evacuations north of Valencia",
    "A wildfire fanned by strong winds forced the evacuation of about 1,500 residents from "
    "villages in the hills north of Valencia on Saturday, emergency services said. More than "
    "300 firefighters and eleven water-bombing aircraft were deployed.\n\n"
    "Regional president Carlos Mazón said the blaze was not yet under control, news agency EFE "
    "reported. Officials asked residents to stay indoors.",
)
BUDGET_ES = (
    "Les Corts aprueban los presupuestos autonómicos",
    "El pleno de Les Corts aprobó el sábado los presupuestos autonómicos para el próximo año, con "
    "los votos del Partido Popular y de Vox, según informó EFE. Las cuentas autonómicas prevén "
    "un aumento del gasto en sanidad y educación.\n\nEl presidente Carlos Mazón defendió en "
    "Valencia unas cuentas que, a su juicio, bajan los impuestos a las familias.",
)


def test_a_city_its_leader_and_a_news_agency_are_not_enough_to_join_two_events():
    fire, budget = article(WILDFIRE_EN, source="Wire"), spanish(BUDGET_ES, days=0.2)
    shared = {n for _, n in names(fire.text)} & {n for _, n in names(budget.text)}
    assert shared == {"valencia", "carlos", "mazon", "efe"}
    others = [article(QUAKE_A, days=-1), article(PENSIONS, days=-0.9), article(RATES, days=-0.7),
              spanish(BACKGROUND_ES, days=-0.6), article(STRIKE_EN, days=-0.5)]  # fmt: skip
    story_of = assign([placed(a) for a in [*others, fire, budget]], [], StorySettings())
    assert story_of[fire.id] != story_of[budget.id]
    stored = [placed(a, story_of[a.id]) for a in [*others, fire]]
    assert assign([placed(budget)], stored, StorySettings())[budget.id] != story_of[fire.id]


def test_names_after_titles_initials_and_list_marks_are_read_and_the_titles_are_not_names():
    def read(text: str) -> list[str]:
        return [name for _, name in names(text)]

    assert read("Hier, M. Macron a parlé.") == ["macron"]
    assert read("Then Mr. Smith met Dr. Jones in St. Louis.") == ["smith", "jones", "louis"]
    assert read("A speech by George W. Bush.") == ["george", "bush"]
    assert read("¡Viva la fiesta! ¿Dónde está Sevilla?") == ["sevilla"]
    assert read("- Police said\n• Officials added\n— Firefighters came") == []
    assert read("FIRE DESTROYS HOMES IN PARIS TONIGHT\nThe mayor of Paris spoke.") == ["paris"]
    # A line of capitals needs twelve of them and no lower-case letter; the others are read.
    assert read("In Paris, NASA 2026 NATO.\nThe mayor spoke.") == ["paris", "nasa", "nato"]
    # (NASA opens a sentence after the colon, so it says nothing of names.)
    assert read("Rain in PARIS: NASA AND NATO WARN EUROPE") == ["paris", "nato", "warn", "europe"]
    assert read("NOTE: 12 CAPITALS, 2026 ROME\nAid reached Rome.") == ["rome"]
    assert read("In Łódź, O’Brien met Zoë.") == read("In Lodz, O'Brien met Zoe.")


def test_features_are_computed_again_a_thousand_articles_at_a_time_with_progress(caplog):
    import logging
    import sqlite3

    from digest.migrations import MIGRATIONS, _recompute_features

    db = sqlite3.connect(":memory:")
    for step in MIGRATIONS[0]:
        db.execute(step)
    texts = [f"Storm {n} hit Dunmore, and Mayor Ada Quist closed {n} roads." for n in range(2100)]
    db.executemany(
        "INSERT INTO articles (id, file, text, language, ingested, placed_at, features)"
        " VALUES (?, 'f.txt', ?, 'en', '2026-11-21', '2026-11-21', x'00')",
        [(f"a{n:05d}", text) for n, text in enumerate(texts)],
    )
    with caplog.at_level(logging.INFO, logger="digest.migrations"):
        _recompute_features(db)
    blobs = dict(db.execute("SELECT id, features FROM articles"))
    assert len(blobs) == 2100
    for n in (0, 999, 1000, 2099):  # either side of a batch's end
        stored = Article(f"a{n:05d}", "f.txt", None, None, None, None, texts[n], "en")
        assert blobs[stored.id] == features(stored)
    assert "2100 of 2100 articles" in caplog.text
