"""Furniture recognised after an article was stored: a build that briefs the article's story
checks it against the evidence as it stands then, and leaves out what is now furniture."""

from __future__ import annotations

from datetime import timedelta

from digest import pipeline
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


def test_a_line_recognised_as_furniture_later_is_not_quoted_from_an_article_stored_before(
    tmp_path,
):
    # Long briefs: every sentence that may be quoted is.
    config = make_config(tmp_path, **{"brief.words": 1000})
    # Day 1: one outlet carries the newsletter line; it is stored with it (no evidence yet).
    drop(config, 0, {"courier.txt": ("Courier", "Pier to close", f"{PIER}\n\n{LETTER}")})
    pipeline.update(config, now=NOW)
    # Day 2: a second outlet, about something else: two carriers are not evidence enough.
    drop(config, 1, {"gazette.txt": ("Gazette", "Rovers win the cup", f"{CUP}\n\n{LETTER}")})
    pipeline.update(config, now=NOW + timedelta(days=1))
    assert all(LETTER in text for text in stored_texts(config).values())
    # Day 3: a third unrelated carrier makes the line furniture; the pier story has news.
    drop(
        config,
        2,
        {
            "herald.txt": ("Herald", "Bakery opens on Quay Street", f"{BAKERY}\n\n{LETTER}"),
            "post.txt": ("Post", "Ferry pier to close for repairs", PIER_AGAIN),
        },
    )
    built = pipeline.build(config, now=NOW + timedelta(days=2))
    quoted = [s.text for brief in built.digest.briefs for s in brief.sentences]
    assert quoted and not any(LETTER in sentence for sentence in quoted)
    # The day-1 article still is a source of its story, with the rest of its text quoted.
    [pier] = [b for b in built.digest.briefs if any("Pier" in (a.title or "") for a in b.articles)]
    courier = next(a for a in pier.articles if a.source == "Courier")
    assert any(courier.id in s.sources for s in pier.sentences)
    assert {a.source for a in pier.articles} == {"Courier", "Post"}
    # The stored text is not rewritten: only what a brief may quote changes.
    texts = stored_texts(config)
    assert LETTER in texts["Courier"] and LETTER in texts["Gazette"]
    assert LETTER not in texts["Herald"]  # cleaned when it was read


def test_a_paragraph_its_source_repeats_later_is_not_quoted_from_its_first_articles(tmp_path):
    config = make_config(tmp_path, **{"brief.words": 1000})
    sign_off = (
        "Write to the Courier newsroom with your news and photographs at any hour of the day."
    )
    drop(config, 0, {"pier.txt": ("Courier", "Pier to close", f"{PIER}\n\n{sign_off}")})
    pipeline.update(config, now=NOW)
    drop(config, 1, {"cup.txt": ("Courier", "Rovers win the cup", f"{CUP}\n\n{sign_off}")})
    pipeline.update(config, now=NOW + timedelta(days=1))
    # The third sighting makes it the source's boilerplate; the pier story has news.
    drop(
        config,
        2,
        {
            "bakery.txt": ("Courier", "Bakery opens on Quay Street", f"{BAKERY}\n\n{sign_off}"),
            "post.txt": ("Post", "Ferry pier to close for repairs", PIER_AGAIN),
        },
    )
    built = pipeline.build(config, now=NOW + timedelta(days=2))
    quoted = [s.text for brief in built.digest.briefs for s in brief.sentences]
    assert len(built.digest.briefs) == 3
    assert quoted and sign_off not in quoted
    # Each story still quotes its Courier article.
    courier = {a.id for b in built.digest.briefs for a in b.articles if a.source == "Courier"}
    assert len(courier) == 3
    assert courier <= {source for s in quoted_sentences(built) for source in s.sources}


def quoted_sentences(built):
    return [s for brief in built.digest.briefs for s in brief.sentences]
