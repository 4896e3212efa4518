"""Furniture recognised after an article was stored: a build that briefs the article's story
checks it against the evidence as it stands then, and leaves out what is now furniture."""

from __future__ import annotations

from datetime import timedelta

from digest import pipeline
from digest.explain import explain_story
from digest.reread import without_late_furniture
from digest.store import Store

from .conftest import NOW, make_config, make_inbox, txt

LETTER = (
    "The Harbour Review morning letter brings the best of local news and sport to readers"
    " before breakfast each weekday."
)
PIER = (
    "The harbour board voted on Monday to close the old ferry pier at Carrow for repairs next"
    " spring.\n\nEngineers found that two of the pier's timber piles had rotted through below"
    " the waterline, the board said.\n\nFerry passengers will board from a temporary landing"
    " stage beside the fish market while contractors drive new steel piles into the seabed."
)
PIER_AGAIN = (
    "The old ferry pier at Carrow will close for repairs next spring after the harbour board"
    " vote on Monday.\n\nThe board said engineers had found rotted timber piles below the"
    " waterline of the pier."
)
CUP = (
    "Ellington Rovers beat Port Ellis United two goals to one in the county cup final on Saturday"
    " afternoon.\n\nThe winning goal came from a header by the captain in the last minute of"
    " extra time.\n\nSupporters of the visiting side filled the north stand and sang through"
    " the penalty shootout that never came, the referee having added six minutes of stoppage."
)
BAKERY = (
    "A family bakery opened on Quay Street this week, selling rye loaves and cardamom buns from"
    " six in the morning.\n\nThe owners moved to the town from the north coast and hired four"
    " apprentices.\n\nTheir sourdough starter, they said, is older than either of their"
    " children, and the oven was built by a mason from the valley villages."
)


def drop(config, day: int, files: dict[str, tuple[str, str, str]]) -> None:
    """Write (source, title, body) articles dated `day` days after NOW into the inbox."""
    date = (NOW + timedelta(days=day)).date().isoformat()
    make_inbox(
        config.paths.inbox,
        {name: txt(title, body, source=source, date=date) for name, (source, title, body)
         in files.items()},
    )  # fmt: skip


def stored_texts(config) -> dict[str, str]:
    with Store.open(config.paths.state) as store:
        return dict(store.db.execute("SELECT source, text FROM articles").fetchall())


def three_days(config, sources: tuple[str, str, str], line: str):
    """Three unrelated reports carrying `line`, one a day by `sources`: the first two only
    stored (no digest), the third read by the third day's build, with a second report of the
    first one's story (so that it has news). Returns that build."""
    reports = [("Pier to close", PIER), ("Rovers win the cup", CUP),
               ("Bakery opens on Quay Street", BAKERY)]  # fmt: skip
    for day, (source, (title, body)) in enumerate(zip(sources, reports, strict=True)):
        files = {f"{day}.txt": (source, title, f"{body}\n\n{line}")}
        if day < 2:
            drop(config, day, files)
            pipeline.update(config, now=NOW + timedelta(days=day))
    drop(config, 2, {**files, "post.txt": ("Post", "Ferry pier to close for repairs", PIER_AGAIN)})
    return pipeline.build(config, now=NOW + timedelta(days=2))


def quoted(built) -> list[str]:
    return [s.text for brief in built.digest.briefs for s in brief.sentences]


def test_a_line_recognised_as_furniture_later_is_not_quoted_from_an_article_stored_before(
    tmp_path,
):
    # Long briefs: every sentence that may be quoted is.
    config = make_config(tmp_path, **{"brief.words": 1000})
    # Days 1 and 2: two outlets carry the newsletter line (not evidence enough); on day 3 a
    # third unrelated carrier makes it furniture, and the pier story has news.
    built = three_days(config, ("Courier", "Gazette", "Herald"), LETTER)
    assert quoted(built) and not any(LETTER in sentence for sentence in quoted(built))
    # The day-1 article still is a source of its story, with the rest of its text quoted.
    [pier] = [b for b in built.digest.briefs if any("Pier" in (a.title or "") for a in b.articles)]
    courier = next(a for a in pier.articles if a.source == "Courier")
    assert any(courier.id in s.sources for s in pier.sentences)
    assert {a.source for a in pier.articles} == {"Courier", "Post"}
    # The stored text is not rewritten: only what a brief may quote changes.
    texts = stored_texts(config)
    assert LETTER in texts["Courier"] and LETTER in texts["Gazette"]
    assert LETTER not in texts["Herald"]  # cleaned when it was read
    # `digest explain` briefs the story as the digest does (here whole: every article shown).
    for brief in built.digest.briefs:
        explained = explain_story(config, brief.story_id)
        assert explained.brief.sentences
        assert not any(LETTER in s.text for s in explained.brief.sentences)


def test_a_paragraph_its_source_repeats_later_is_not_quoted_from_its_first_articles(tmp_path):
    config = make_config(tmp_path, **{"brief.words": 1000})
    sign_off = (
        "Write to the Courier newsroom with your news and photographs at any hour of the day."
    )
    # The third sighting makes it the source's boilerplate.
    built = three_days(config, ("Courier", "Courier", "Courier"), sign_off)
    assert len(built.digest.briefs) == 3
    assert quoted(built) and sign_off not in quoted(built)
    # Each story still quotes its Courier article.
    courier = {a.id for b in built.digest.briefs for a in b.articles if a.source == "Courier"}
    assert len(courier) == 3
    cited = {
        source for brief in built.digest.briefs for s in brief.sentences for source in s.sources
    }
    assert courier <= cited


def test_only_stored_articles_are_checked_and_a_changed_one_loses_its_spans(tmp_path):
    config = make_config(tmp_path)
    three_days(config, ("Courier", "Gazette", "Herald"), LETTER)
    with Store.open(config.paths.state) as store:
        stories = store.stories(store.all_story_ids())
        [courier] = [a for s in stories for a in s.articles if a.source == "Courier"]
        assert courier.spans is not None and LETTER in courier.text
        checked = without_late_furniture(store, stories, config.brief, ())
        [read] = [a for s in checked for a in s.articles if a.id == courier.id]
        assert read.text == PIER and read.spans is None
        # An article this build read was cleaned as it was stored: it is not checked again.
        skipped = without_late_furniture(store, stories, config.brief, {courier.id})
        [same] = [a for s in skipped for a in s.articles if a.id == courier.id]
        assert same is courier


def _drop(config, day: int, files: dict[str, tuple[str, str, str]]) -> None:
    date = (NOW + timedelta(days=day)).date().isoformat()
    make_inbox(config.paths.inbox, {
        name: txt(title, body, source=source, date=date)
        for name, (source, title, body) in files.items()
    })  # fmt: skip


MILL_LEAD = (
    "A fire at the Marlow paper mill forced the evacuation of two hundred workers on Monday"
    " and closed the river road between Marlow and Ashby for most of the day."
)
MILL_NEWS = [
    "Fire crews from four stations fought the blaze, which started in a storage shed near the"
    " loading bays, a fire service spokeswoman said.",
    "The mill's owners said on Tuesday that production would resume within a week and that no"
    " worker had been injured.",
    "Investigators said on Wednesday the fire was probably caused by an electrical fault in a"
    " conveyor motor, and the river road reopened.",
]


def test_the_lead_one_outlet_repeats_in_the_updates_of_one_story_is_still_quoted(tmp_path):
    config = make_config(tmp_path, **{"brief.words": 1000})
    for day, news in enumerate(MILL_NEWS):
        _drop(
            config,
            day,
            {f"a{day}.txt": ("Courier", f"Mill fire, day {day}", f"{MILL_LEAD}\n\n{news}")},
        )
        if day < 2:
            pipeline.update(config, now=NOW + timedelta(days=day, hours=1))
    built = pipeline.build(config, now=NOW + timedelta(days=2, hours=1))
    [brief] = built.digest.briefs
    assert any(MILL_LEAD in s.text for s in brief.sentences)


POLICE_STOCK = (
    "Anyone with information can report it online at www.carrowpolice.example or call 101."
)
POLICE_REPORTS = [
    ("Van stolen from depot", "A white delivery van was stolen from a depot on Mill Lane in Ashby"
     " overnight on Sunday, along with tools worth several thousand pounds.",
     "Officers are examining footage from cameras near the depot gates. {s} The van has a dented"
     " rear door and a roof rack."),
    ("Cyclist hurt at junction", "A cyclist was taken to hospital with leg injuries after a"
     " collision with a tractor at the Brook Street junction in Marlow on Tuesday morning.",
     "The tractor driver stopped at the scene and spoke to paramedics. {s} The junction was"
     " closed for two hours while debris was cleared."),
    ("Shed fire in allotments", "Firefighters and police were called to the Greenfield allotments"
     " in Carrow late on Wednesday after a garden shed was set alight deliberately.",
     "Neighbours reported seeing two teenagers running toward the canal towpath. {s} Nobody was"
     " injured, but seed stores and a greenhouse were destroyed."),
]  # fmt: skip


def test_one_sources_stock_sentence_inside_its_reports_stays_theirs_when_read_again(tmp_path):
    config = make_config(tmp_path)
    for day, (title, lead, middle) in enumerate(POLICE_REPORTS):
        body = f"{lead}\n\n{middle.format(s=POLICE_STOCK)}"
        _drop(config, day, {f"p{day}.txt": ("Carrow Police", title, body)})
        pipeline.update(config, now=NOW + timedelta(days=day, hours=1))
    with Store.open(config.paths.state) as store:
        stories = store.stories(store.all_story_ids())
        read = without_late_furniture(store, stories, config.brief, ())
    assert len(read) == 3 and all(POLICE_STOCK in a.text for s in read for a in s.articles)


BARRIER = (
    "The Carrow flood barrier was built in 1987 after a storm surge flooded three hundred homes"
    " along the estuary. It cost the county forty million pounds and its steel gates have"
    " been raised eleven times since the harbour wall was extended."
)
BARRIER_LEADS = [
    "Engineers raised the Carrow flood barrier on Monday evening as Storm Delia brought gales"
    " and a high spring tide toward the estuary towns.",
    "The Carrow flood barrier held overnight as Storm Delia pushed the estuary tide to its"
    " highest level in a decade, engineers said on Tuesday.",
    "Storm Delia passed the estuary on Wednesday and engineers began lowering the Carrow flood"
    " barrier gates after two nights of gales and flooding fears.",
]
HARBOUR = (
    "Councillors approved a plan on Tuesday to resurface the harbour wall walkway at Ellmouth"
    " and to add benches and lighting along its length before the summer season."
)
RETURN = (
    "Residents of the estuary towns returned home on Wednesday after Storm Delia passed and"
    " the Carrow flood barrier gates were lowered by engineers."
)


def test_what_the_reader_read_is_not_told_again_when_it_becomes_a_sources_boilerplate(tmp_path):
    config = make_config(tmp_path, **{"brief.sentences": 1})
    for day, lead in enumerate(BARRIER_LEADS):
        files = {f"a{day}.txt": ("Courier", f"Flood barrier, day {day}", f"{lead}\n\n{BARRIER}")}
        if day == 1:  # the Courier's background in another of its stories: its boilerplate
            files["c.txt"] = ("Courier", "Harbour wall works", f"{HARBOUR}\n\n{BARRIER}")
        if day == 2:  # another outlet carries the background word for word
            files["b.txt"] = ("Gazette", "Residents return", f"{RETURN}\n\n{BARRIER}")
            config = make_config(tmp_path, **{"brief.words": 1000})
        _drop(config, day, files)
        built = pipeline.build(config, now=NOW + timedelta(days=day, hours=1))
    [update] = built.digest.briefs
    assert update.sentences and not any("1987" in s.text for s in update.sentences)


def test_the_state_notes_as_many_carriers_as_the_cleaning_rules_need():
    # The store keeps its own number (opening a state imports no cleaning rules); it must
    # note every carrier the furniture test examines and the source's repeats count.
    from digest import clean
    from digest.migrations import CARRIERS_NOTED

    assert max(clean.FURNITURE_CARRIERS, clean.REPEATED_PARAGRAPH) == CARRIERS_NOTED
