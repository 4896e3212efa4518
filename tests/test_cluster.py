"""Story clustering: articles written for these tests, placed as the pipeline places them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from digest.cluster import (
    LANGUAGE_MARK,
    NAME_MARK,
    STREET_MARK,
    _decode,
    _distinct,
    _terms_matrix_languages,
    assign,
    features,
    headline,
    language_of,
    names_matrix,
    places_of,
    recompute_features,
    row_range,
    term_matrix,
    terms_and_matrix,
)
from digest.config import StorySettings
from digest.crossing import UNKNOWN
from digest.models import LANGUAGES, Article, Placed
from digest.places import streets
from digest.vectors import BUCKETS, decode, encode, terms_of
from tests.conftest import make_article

MARCH = datetime(2024, 3, 4, 9, tzinfo=UTC)

QUAKE_A = (
    "Strong earthquake shakes central Chile",
    "A magnitude 7.1 earthquake struck central Chile on Monday, shaking buildings in Santiago "
    "and the port city of Valparaiso. The national emergency office said at least four people "
    "were killed and dozens injured as walls collapsed in older neighbourhoods.\n\n"
    "The navy briefly issued a tsunami warning for the coast before lifting it. President "
    "Gabriel Boric flew to Valparaiso to inspect the damage.",
)
QUAKE_B = (
    "Deadly quake hits Chile; tsunami alert lifted",
    "Rescuers in Valparaiso searched collapsed houses after a powerful earthquake rattled "
    "central Chile, killing four people. The tremor, measured at magnitude 7.1 by "
    "seismologists, was felt strongly in Santiago, where residents ran into the streets.\n\n"
    "The navy withdrew its tsunami alert after a few hours. Boric promised emergency funds for "
    "the damaged hillside districts of the port.",
)
QUAKE_FOLLOW_UP = (
    "Chile counts the cost of the earthquake",
    "Engineers inspected schools and hospitals in Valparaiso two days after the earthquake "
    "that killed four people in central Chile. Aftershocks kept rattling the port, and the "
    "emergency office said more than 300 homes could no longer be lived in.\n\n"
    "Boric's government released emergency funds for rebuilding the damaged districts.",
)
PENSIONS = (
    "Chilean senate approves pension reform",
    "Chile's senators approved a long-debated pension reform on Wednesday after months of "
    "negotiation in Santiago. The bill raises employer contributions and creates a public "
    "fund alongside the private pension managers.\n\n"
    "Opposition senators said the reform would burden small businesses, while the labour "
    "minister called the vote historic for Chilean workers.",
)
PENSIONS_B = (
    "Pension overhaul clears Chile's senate",
    "Employers will pay higher pension contributions under a reform that Chilean senators "
    "passed after months of negotiation. A new public pension fund will sit beside the "
    "private managers, the labour minister said in Santiago.\n\n"
    "Small business groups and opposition senators criticised the reform.",
)
FOOTBALL = (
    "Rivers United win the cup final",
    "Rivers United won the cup final on Tuesday night, beating Harbour City 2-1 with a late "
    "header from their captain. The striker had missed a penalty in the first half before "
    "the equaliser.\n\nFans celebrated in the stadium until after midnight, and the coach "
    "praised the squad's resilience.",
)
RATES = (
    "Central bank holds interest rates",
    "The central bank kept its benchmark interest rate at 4.5 percent on Wednesday, saying "
    "inflation was easing more slowly than expected. The governor warned that wage growth "
    "and energy prices remained a risk.\n\nMarkets had expected the decision, and the "
    "currency barely moved.",
)


def article(story: tuple[str, str], *, days: float = 0, source: str = "Wire") -> Article:
    title, text = story
    published = MARCH + timedelta(days=days)
    return make_article(text, title=title, source=source, published=published)


def placed(item: Article, story_id: str | None = None) -> Placed:
    assert item.published is not None
    return Placed(item.id, story_id, item.published, features(item))


def together(story_of: dict[str, str], *items: Article) -> bool:
    return len({story_of[item.id] for item in items}) == 1


def partition(story_of: dict[str, str]) -> set[frozenset[str]]:
    """The groups of article ids, whatever the story ids are called."""
    groups: dict[str, set[str]] = {}
    for article_id, story in story_of.items():
        groups.setdefault(story, set()).add(article_id)
    return {frozenset(group) for group in groups.values()}


@pytest.fixture
def day_of_news() -> list[Article]:
    return [
        article(QUAKE_A, source="Daily Courier"),
        article(QUAKE_B, days=0.2, source="Evening Post"),
        article(PENSIONS, days=1),
        article(PENSIONS_B, days=1.1, source="Evening Post"),
        article(FOOTBALL, days=1),
        article(RATES, days=1.2),
        article(QUAKE_FOLLOW_UP, days=2, source="Radio South"),
    ]


def test_the_same_event_told_by_two_outlets_is_one_story(day_of_news):
    quake_a, quake_b, *_ = day_of_news
    story_of = assign([placed(a) for a in day_of_news], [], StorySettings())
    assert together(story_of, quake_a, quake_b)
    assert together(story_of, quake_a, day_of_news[-1])  # the follow-up two days later


def test_two_events_in_the_same_country_stay_apart(day_of_news):
    quake, _, pensions, pensions_b, football, rates, _ = day_of_news
    story_of = assign([placed(a) for a in day_of_news], [], StorySettings())
    assert together(story_of, pensions, pensions_b)
    stories = [story_of[item.id] for item in (quake, pensions, football, rates)]
    assert len(set(stories)) == 4
    assert len(set(story_of.values())) == 4


def test_an_article_outside_the_window_starts_a_new_story():
    first = article(QUAKE_A)
    stored = [placed(first, "s-quake"), placed(article(QUAKE_B, days=0.1), "s-quake")]
    late = article(QUAKE_FOLLOW_UP, days=45)
    assert assign([placed(late)], stored, StorySettings(window_days=30)) == {
        late.id: "s" + late.id[:12]
    }
    assert assign([placed(late)], stored, StorySettings(window_days=60)) == {late.id: "s-quake"}


def test_the_window_counts_from_the_newest_article_of_a_story():
    stored = [
        placed(article(QUAKE_A), "s-quake"),
        placed(article(QUAKE_B, days=25), "s-quake"),
    ]
    late = article(QUAKE_FOLLOW_UP, days=50)  # 50 days after the first, 25 after the newest
    assert assign([placed(late)], stored, StorySettings(window_days=30)) == {late.id: "s-quake"}


def test_placing_is_deterministic_whatever_the_input_order(day_of_news):
    new = [placed(a) for a in day_of_news]
    first = assign(new, [], StorySettings())
    shuffled = new[:]
    random.Random(3).shuffle(shuffled)
    assert assign(shuffled, [], StorySettings()) == first
    assert all(story.startswith("s") for story in first.values())


def test_a_stream_of_daily_builds_matches_one_build(day_of_news):
    at_once = assign([placed(a) for a in day_of_news], [], StorySettings())
    stored: list[Placed] = []
    streamed: dict[str, str] = {}
    for day in sorted({a.published.date() for a in day_of_news if a.published}):
        batch = [placed(a) for a in day_of_news if a.published and a.published.date() == day]
        story_of = assign(batch, stored, StorySettings())
        stored += [
            Placed(p.article_id, story_of[p.article_id], p.published, p.features) for p in batch
        ]
        streamed |= story_of
    assert partition(streamed) == partition(at_once)


def test_story_ids_stay_when_more_articles_arrive(day_of_news):
    first_day = [a for a in day_of_news if a.published and a.published < MARCH + timedelta(days=1)]
    story_of = assign([placed(a) for a in first_day], [], StorySettings())
    quake_story = story_of[first_day[0].id]
    assert quake_story == "s" + first_day[0].id[:12]  # named after its first article
    stored = [placed(a, story_of[a.id]) for a in first_day]
    later = [a for a in day_of_news if a not in first_day]
    more = assign([placed(a) for a in later], stored, StorySettings())
    assert set(more) == {a.id for a in later}  # stored articles are never moved
    assert more[day_of_news[-1].id] == quake_story
    assert quake_story not in {more[a.id] for a in later[:-1]}


def test_no_new_articles_means_nothing_to_place(day_of_news):
    assert assign([], [placed(day_of_news[0], "s1")], StorySettings()) == {}


def test_features_weigh_title_and_lead_and_drop_stop_words():
    item = make_article("The harbour was calm. " * 40 + "Late word: flood.", title="Flood warning")
    terms, weights = decode(features(item))
    weight = dict(zip(terms.tolist(), weights.tolist(), strict=True))
    harbour, flood, warning = terms_of("harbour flood warning", "en").tolist()
    assert weight[warning] == 3.0  # title only
    assert weight[flood] == 3.0 + 1.0  # title, then once past the lead
    assert weight[harbour] == 15 * 2.0 + 25 * 1.0  # the 60-word lead: 15 four-word sentences
    assert terms_of("the and of", "en").tolist() == [-1, -1, -1]
    assert features(item) == features(item)


def test_articles_in_other_languages_use_their_stop_words_and_stems():
    french = terms_of("les élections régionales", "fr").tolist()
    assert french[0] == -1  # "les" is a French stop word
    assert french[1] == terms_of("élection", "fr").tolist()[0]  # one stem for both forms
    assert np.all(terms_of("2024 a", "en") == -1)  # numbers and one-letter words


# Events of one kind: only names, places and time tell them apart.
SHOOTING_DAYTON = (
    "Two wounded in shooting outside Dayton bar",
    "Two men were wounded early Saturday when gunfire broke out in the parking lot of the "
    "Blue Heron bar on Wayne Avenue in Dayton, police said. Officers found the victims, aged "
    "24 and 31, with gunshot wounds and took them to Miami Valley Hospital.\n\n"
    "Dayton police are looking for a dark sedan seen leaving the lot. No arrests were made.",
)
SHOOTING_TACOMA = (
    "Teenager shot near Tacoma park",
    "A 17-year-old boy was shot Saturday afternoon near Wright Park in Tacoma, police said. "
    "Neighbours on South G Street heard several shots and called 911; the boy was taken to "
    "Tacoma General Hospital in serious condition.\n\n"
    "Tacoma detectives said the shooting followed an argument between two groups of teenagers.",
)
SHOOTING_DAYTON_DAY_2 = (
    "Police name victims of Wayne Avenue bar shooting",
    "Dayton police on Sunday named the two men wounded outside the Blue Heron bar on Wayne "
    "Avenue. Both remained at Miami Valley Hospital, one in critical condition.\n\n"
    "Detectives asked anyone with video from the parking lot to call the Dayton police tip line.",
)
SHOOTING_DAYTON_DAY_5 = (
    "Arrest in Blue Heron bar shooting",
    "Dayton police arrested a 29-year-old man on Wednesday in connection with the shooting "
    "outside the Blue Heron bar on Wayne Avenue that wounded two men. Detectives traced the "
    "dark sedan seen leaving the parking lot.\n\n"
    "He faces two counts of felonious assault, police said.",
)


def test_two_shootings_on_one_day_in_two_cities_stay_apart_and_follow_ups_join():
    dayton = article(SHOOTING_DAYTON, source="Dayton Daily")
    tacoma = article(SHOOTING_TACOMA, days=0.1, source="Tacoma News")
    day_2 = article(SHOOTING_DAYTON_DAY_2, days=1, source="Radio Ohio")
    day_5 = article(SHOOTING_DAYTON_DAY_5, days=4, source="Dayton Daily")
    story_of = assign([placed(a) for a in (dayton, tacoma, day_2, day_5)], [], StorySettings())
    assert story_of[dayton.id] != story_of[tacoma.id]
    assert together(story_of, dayton, day_2, day_5)


STRIKE_EN = (
    "Rail strike halts trains around Lyon",
    "Rail workers at SNCF walked out on Tuesday in Lyon, cancelling 340 trains across the "
    "Auvergne-Rhône-Alpes region. The CGT union said 4,200 drivers and controllers joined the "
    "strike over pay.\n\nUnion leader Martine Girardot told reporters in Lyon that talks with "
    "SNCF would resume on Friday. Commuters crowded the buses at Part-Dieu station.",
)
STRIKE_FR = (
    "Grève à la SNCF : trains à l'arrêt autour de Lyon",
    "Les cheminots de la SNCF ont cessé le travail mardi à Lyon, et 340 trains ont été "
    "supprimés en Auvergne-Rhône-Alpes. Selon la CGT, 4200 conducteurs et contrôleurs ont "
    "rejoint le mouvement pour les salaires.\n\nMartine Girardot, responsable syndicale, a "
    "déclaré à Lyon que les discussions avec la SNCF reprendraient vendredi. Les usagers se "
    "pressaient dans les bus à la gare Part-Dieu.",
)
FIRE_FR = (
    "Incendie dans un entrepôt près de Lyon",
    "Un incendie a ravagé un entrepôt de la zone industrielle de Vénissieux, près de Lyon, dans "
    "la nuit de mardi. Une soixantaine de pompiers sont intervenus et aucun blessé n'est à "
    "déplorer.\n\nLa préfète a demandé une enquête sur l'origine du feu.",
)


def test_reports_of_one_event_in_two_languages_join_and_another_event_stays_apart():
    english = article(STRIKE_EN, source="Wire")
    french = replace(article(STRIKE_FR, days=0.1, source="Le Quotidien"), language="fr")
    fire = replace(article(FIRE_FR, days=0.2, source="Le Quotidien"), language="fr")
    story_of = assign([placed(a) for a in (english, french, fire)], [], StorySettings())
    assert together(story_of, english, french)
    assert story_of[fire.id] != story_of[english.id]


def test_a_headline_leaves_out_the_site_name_a_page_title_ends_with():
    assert headline("Two hurt in bar shooting - Channel 9 News, Weather") == (
        "Two hurt in bar shooting"
    )
    assert headline("City News | Council approves the new harbour budget") == (
        "Council approves the new harbour budget"
    )
    assert headline("Man-made lake opens « Valley Times") == "Man-made lake opens"
    assert headline("Rates held at 4.5 percent") == "Rates held at 4.5 percent"


def test_reports_of_two_events_on_one_site_are_not_alike_for_the_sites_name():
    site = " - Channel 9 Eyewitness News, Weather & Sports"
    dayton = article((SHOOTING_DAYTON[0] + site, SHOOTING_DAYTON[1]), source="Channel 9")
    tacoma = article((SHOOTING_TACOMA[0] + site, SHOOTING_TACOMA[1]), days=0.1, source="Channel 9")
    plain = article(SHOOTING_DAYTON, source="Channel 9")
    assert features(dayton) == features(plain)
    story_of = assign([placed(dayton), placed(tacoma)], [], StorySettings())
    assert story_of[dayton.id] != story_of[tacoma.id]


def test_recomputed_features_are_those_of_ingest_and_keep_every_id(day_of_news):
    recomputed = dict(recompute_features(day_of_news))
    assert recomputed == {a.id: features(a) for a in day_of_news}
    story_of = assign([placed(a) for a in day_of_news], [], StorySettings())
    stored = [
        Placed(a.id, story_of[a.id], a.published, recomputed[a.id])
        for a in day_of_news
        if a.published
    ]
    late = article(QUAKE_FOLLOW_UP, days=3, source="Another Wire")
    late = replace(late, text=late.text + " Rescue teams stood down.")
    assert assign([placed(late)], stored, StorySettings()) == {late.id: story_of[day_of_news[0].id]}


MEMPHIS_FIRST = (
    "Man killed in shooting in South Memphis",
    "A 27-year-old man was shot and killed Saturday night in the 2100 block of Elvis Presley "
    "Boulevard in South Memphis, police said. Officers found him in a parked car and he died "
    "at Regional One hospital.\n\nMemphis police have not named a suspect and asked anyone "
    "with information to call Crime Stoppers.",
)
MEMPHIS_FIRST_DAY_2 = (
    "Police name man killed on Elvis Presley Boulevard",
    "Memphis police on Sunday named the man shot dead in a parked car on Elvis Presley "
    "Boulevard as Darnell Hughes. Investigators are looking for a silver sedan seen leaving "
    "the scene.\n\nHughes died at Regional One hospital; no arrest has been made.",
)
MEMPHIS_FIRST_DAY_3 = (
    "Arrest in South Memphis killing",
    "Memphis police arrested a 22-year-old man on Monday in the killing of Darnell Hughes, "
    "who was shot in a parked car in South Memphis. The suspect was found in the silver "
    "sedan investigators had been looking for.\n\nHe faces a charge of first-degree murder.",
)
MEMPHIS_SECOND = (
    "Gunman sought after man shot dead in Memphis",
    "Police are searching for a gunman after a 31-year-old man was shot dead on Friday night in "
    "the 3500 block of Lamar Avenue. He died at the scene.\n\nMemphis police asked anyone "
    "with information to call them.",
)


def test_a_report_naming_other_streets_than_a_story_starts_its_own_story():
    first = article(MEMPHIS_FIRST, source="Memphis Daily")
    day_2 = article(MEMPHIS_FIRST_DAY_2, days=1, source="Radio Memphis")
    day_3 = article(MEMPHIS_FIRST_DAY_3, days=2, source="Memphis Daily")  # no street named
    second = article(MEMPHIS_SECOND, days=7, source="Memphis Daily")
    story_of = assign([placed(a) for a in (first, day_2, day_3, second)], [], StorySettings())
    assert together(story_of, first, day_2, day_3)
    assert story_of[second.id] != story_of[first.id]
    # The words alone would join them: the streets are what tells the two shootings apart.
    unnamed = article(
        (MEMPHIS_SECOND[0], MEMPHIS_SECOND[1].replace(" in the 3500 block of Lamar Avenue", "")),
        days=7,
    )
    story_of = assign([placed(a) for a in (first, day_2, day_3, unnamed)], [], StorySettings())
    assert together(story_of, first, unnamed)


MEMPHIS_FIRST_OTHER_STREET = (
    "Police name man killed in South Memphis shooting",
    "Memphis police on Sunday named the man shot and killed Saturday night in a parked car in "
    "South Memphis as Darnell Hughes, 27. He died at Regional One hospital. Detectives later "
    "found the gun on Person Avenue.\n\nMemphis police have not named a suspect and asked "
    "anyone with information to call Crime Stoppers.",
)


def test_a_report_of_another_street_joins_a_story_whose_words_it_shares_closely():
    # One event can take in several streets (a flood, a chase): words as alike as these win.
    first = article(MEMPHIS_FIRST, source="Memphis Daily")
    other_street = article(MEMPHIS_FIRST_OTHER_STREET, days=1, source="Radio Memphis")
    assert streets(other_street.text) and streets(first.text)
    assert streets(other_street.text).isdisjoint(streets(first.text))
    story_of = assign([placed(first), placed(other_street)], [], StorySettings())
    assert together(story_of, first, other_street)


def test_a_report_naming_the_storys_street_joins_it_in_a_later_build(day_of_news):
    first = article(MEMPHIS_FIRST, source="Memphis Daily")
    day_3 = article(MEMPHIS_FIRST_DAY_3, days=2, source="Memphis Daily")
    stored = [placed(first, "s-first"), placed(day_3, "s-first")]
    stored += [placed(a, f"s-{a.id}") for a in day_of_news]
    day_2 = article(MEMPHIS_FIRST_DAY_2, days=1, source="Radio Memphis")
    second = article(MEMPHIS_SECOND, days=7, source="Memphis Daily")
    story_of = assign([placed(day_2), placed(second)], stored, StorySettings())
    assert story_of[day_2.id] == "s-first"
    assert story_of[second.id] != "s-first"


def test_streets_are_read_from_addresses_blocks_corners_and_the_lead():
    assert streets("Shots rang out in the 1200 block of South Main late on Friday.") == {"main"}
    assert streets("Police were called to 4500 Martin Luther King Blvd. at noon.") == {
        "martin luther king"
    }
    assert streets("A car crashed at Fifth and Elm streets.") == {"fifth", "elm"}
    assert streets("Two men were hurt on Jackson Avenue in Orange Mound.") == {"jackson"}
    # Further down, a street's name is more often an institution's: counted with a number only.
    lead = " ".join(["word"] * 130)
    assert streets(f"{lead} Traders on Wall Street sold shares.") == set()
    assert streets(f"\n{lead} Traders on Wall Street sold shares.") == set()
    assert streets("Two hurt in a crash in New Roads") == set()  # a town, not a corner
    assert streets(f"{lead} It happened at 310 Wall Street.") == {"wall"}
    assert streets("The Supreme Court ruled on Tuesday.") == set()
    assert streets("Health Minister Dr. Amal Lee said so.") == set()
    assert streets("Shots were fired at 210 Oak Hill Dr. late on Friday.") == {"oak hill"}


def test_streets_are_stored_apart_from_the_words(day_of_news):
    blob = features(article(MEMPHIS_FIRST))
    terms, _ = decode(blob)
    assert len(places_of(blob)) == 1
    # The street, the names and the language are checks, not terms of the vector.
    assert term_matrix([blob]).shape[1] == len(terms) - 2 - len(names_matrix([blob]).indices)
    assert all(places_of(features(a)) == frozenset() for a in day_of_news)
    assert language_of(blob) == list(LANGUAGES).index("en")


def test_the_streets_of_many_articles_are_those_each_one_names(day_of_news):
    two_streets = make_article(
        "Shots were fired at 210 Oak Hill Dr. late on Friday. A second car was hit on Jackson"
        " Avenue an hour later, police said.",
        title="Two shootings in one night",
    )
    blobs = [
        features(a)
        for a in [
            article(MEMPHIS_FIRST),
            *day_of_news,
            two_streets,
            article(MEMPHIS_SECOND),
            article(MEMPHIS_FIRST_OTHER_STREET),
        ]
    ]
    terms, weights = decode(blobs[0])
    kept = terms < LANGUAGE_MARK  # stored before the language was
    blobs.append(encode(terms[kept].astype(np.int64), weights[kept].astype(np.float64)))
    found: list[set[int]] = [set() for _ in blobs]
    naming, named = _decode(blobs).marked.streets()
    for blob, street in zip(naming.tolist(), named.tolist(), strict=True):
        found[blob].add(street)
    assert found == [set(places_of(blob)) for blob in blobs]
    assert len(found[len(day_of_news) + 1]) == 2 and not any(found[1 : len(day_of_news) + 1])


def test_a_range_of_rows_is_the_matrix_s_slice(day_of_news):
    matrix = term_matrix([features(a) for a in day_of_news])
    for start, stop in [(0, 7), (0, 3), (2, 5), (6, 7), (4, 4)]:
        rows = row_range(matrix, start, stop)
        assert rows.shape == (stop - start, matrix.shape[1])
        assert (rows != matrix[start:stop]).nnz == 0


def test_a_matrix_of_many_articles_holds_each_one_s_own_words(day_of_news):
    blobs = [features(a) for a in [*day_of_news, article(MEMPHIS_FIRST)]]
    matrix, vocabulary = terms_and_matrix(blobs)
    for row, blob in enumerate(blobs):
        terms, counts = decode(blob)
        words = terms < BUCKETS  # the streets are a check, not terms
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        assert vocabulary[matrix.indices[start:end]].tolist() == terms[words].tolist()
        assert np.allclose(matrix.data[start:end], np.log1p(counts[words]))
    assert terms_and_matrix([])[0].shape == (0, 0)
    with pytest.raises(ValueError, match="unknown clustering feature format"):
        terms_and_matrix([blobs[0], b"\x02\x00\x00\x00" + blobs[1][4:]])


def test_each_article_s_language_is_read_with_its_terms():
    french = ("Incendie à Lyon", "Un incendie a détruit la mairie de Lyon mardi soir.")
    blobs = [
        features(replace(article(MEMPHIS_FIRST), language="en")),
        features(replace(article(french), language="fr")),
        encode(np.array([5, 7, BUCKETS + 3]), np.ones(3)),  # stored before the language was
        encode(np.zeros(0, dtype=np.int64), np.zeros(0)),  # no term at all
    ]
    matrix, _, languages = _terms_matrix_languages(blobs)
    assert languages.tolist() == [language_of(blob) for blob in blobs]
    codes = list(LANGUAGES)
    assert languages.tolist() == [codes.index("en"), codes.index("fr"), UNKNOWN, UNKNOWN]
    assert (matrix != terms_and_matrix(blobs)[0]).nnz == 0


LAST_TERMS = [  # the terms of a blob, and the language its last term holds
    ([5, LANGUAGE_MARK], 0),  # the first language of LANGUAGES
    ([5, NAME_MARK + 1, LANGUAGE_MARK + len(LANGUAGES) - 1], len(LANGUAGES) - 1),
    ([LANGUAGE_MARK + 2], 2),  # the language, no word
    ([5, STREET_MARK + 9], UNKNOWN),  # a street last: stored before the language was
    ([5, LANGUAGE_MARK - 1], UNKNOWN),  # the highest street term, just below the mark
    ([], UNKNOWN),  # no term: its last word is the format version
]


def test_one_blob_and_many_read_the_language_by_one_rule():
    blobs = [
        encode(np.array(terms, dtype=np.int64), np.ones(len(terms))) for terms, _ in LAST_TERMS
    ]
    expected = [language for _, language in LAST_TERMS]
    assert [language_of(blob) for blob in blobs] == expected
    assert all(type(language_of(blob)) is int for blob in blobs)
    languages = _decode(blobs)[3]
    assert languages.dtype == np.int64 and languages.tolist() == expected
    assert _decode(blobs[::-1])[3].tolist() == expected[::-1]  # each blob's own, wherever it is


def test_the_terms_of_many_articles_are_numbered_as_a_sort_would_number_them():
    terms = np.random.default_rng(7).integers(0, BUCKETS, size=BUCKETS // 4).astype("<i4")
    vocabulary, columns = _distinct(terms)  # the table, for this many terms
    expected_vocabulary, expected_columns = np.unique(terms, return_inverse=True)
    assert vocabulary.tolist() == expected_vocabulary.tolist()
    assert columns.tolist() == expected_columns.tolist()


@pytest.mark.parametrize("blob", [b"", b"\x01\x00", b"\x01\x00\x00\x00" + bytes(12)])
def test_features_of_another_layout_are_refused_by_name(blob):
    good = features(make_article("Rain fell on Dunmore all day, and the river rose."))
    with pytest.raises(ValueError, match="must be read again"):
        term_matrix([good, blob])
    with pytest.raises(ValueError, match="must be read again"):
        names_matrix([good, blob])


@pytest.mark.parametrize("at", [0, 1, 2])
def test_names_of_features_of_another_format_version_are_refused_as_their_words_are(at):
    """The names' reader skips the words, and would have read names from a blob of another
    layout as if they were of this one."""
    blobs = [features(article(story)) for story in (QUAKE_A, MEMPHIS_FIRST)]
    assert names_matrix(blobs).nnz > 0
    # The same terms and weights, under another version of the layout.
    blobs.insert(at, b"\x02\x00\x00\x00" + blobs[0][4:])
    message = "unknown clustering feature format; the article must be read again"
    with pytest.raises(ValueError, match=message) as names_refused:
        names_matrix(blobs)
    with pytest.raises(ValueError) as words_refused:
        term_matrix(blobs)
    assert str(names_refused.value) == str(words_refused.value)
