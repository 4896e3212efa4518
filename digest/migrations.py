"""The state's schema: numbered migrations, applied in order and recorded in
`PRAGMA user_version` (by `Store`), and the steps that fill what SQL alone cannot."""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from digest.models import Frequencies, Placed
from digest.outlets import outlet
from digest.rows import ARTICLE_COLUMNS, in_chunks, row_article

log = logging.getLogger(__name__)


def _recompute_features(db: sqlite3.Connection) -> None:
    """Clustering features computed again from each stored article (their rule changed); no
    id, story or text changes."""
    from digest.cluster import recompute_features  # numpy and scipy: not for opening a store

    total, done, last = db.execute("SELECT count(*) FROM articles").fetchone()[0], 0, 0
    while rows := db.execute(  # a thousand at a time: a large store's text is not read at once
        f"SELECT seq, {ARTICLE_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT 1000",
        (last,),
    ).fetchall():
        articles = (row_article(row[1:]) for row in rows)
        db.executemany(
            "UPDATE articles SET features = ? WHERE id = ?",
            [(blob, article_id) for article_id, blob in recompute_features(articles)],
        )
        done, last = done + len(rows), rows[-1][0]
        if done % 20_000 < len(rows) or done == total:
            log.info("clustering features computed again: %d of %d articles", done, total)


def _store_names(db: sqlite3.Connection) -> None:
    """The features computed again with each article's language and names (only builds read
    them: a reading command's upgraded copy, which never places an article, leaves this out)."""
    _recompute_features(db)


def _index_stored(db: sqlite3.Connection) -> None:
    """The term index and term frequencies of every article already in a story."""
    from digest import cluster  # numpy and scipy: not for opening a store

    rows = db.execute("SELECT seq, features FROM articles WHERE story_id IS NOT NULL").fetchall()
    totals = cluster.document_frequencies(blob for _, blob in rows)
    # index_terms counts each article among the documents itself, as a build does for articles
    # not yet counted; these are all counted already, and it looks up only an article's own
    # terms: so one less of each.
    others = Frequencies(len(rows) - 1, {term: count - 1 for term, count in totals.items()})
    placed = [Placed(str(number), None, datetime.now(UTC), blob) for number, blob in rows]
    indexed = cluster.index_terms(placed, others)
    seq = {str(number): number for number, _ in rows}
    db.executemany("INSERT INTO term_frequencies (term, articles) VALUES (?, ?)", totals.items())
    db.executemany(
        "INSERT INTO term_articles (term, seq) VALUES (?, ?)",
        [(term, seq[article]) for article, terms in indexed.items() for term in terms],
    )


def describe_stories(db: sqlite3.Connection, ids: Sequence[str] | None) -> None:
    """Rows of the stories table for these stories (None: every story)."""
    from digest.summarize import story_headline  # the one headline rule

    select = "SELECT story_id, source, url, title, placed_at, language FROM articles"
    chunks = [None] if ids is None else list(in_chunks(ids))
    for chunk in chunks:
        where = "story_id IS NOT NULL"
        if chunk is not None:
            where = f"story_id IN ({','.join('?' * len(chunk))})"
        rows = db.execute(f"{select} WHERE {where} ORDER BY story_id, placed_at, id", chunk or ())
        described = []
        for story_id, group in itertools.groupby(rows, key=lambda row: row[0]):
            articles = list(group)
            outlets = {name for _, source, url, *_ in articles if (name := outlet(source, url))}
            title = story_headline([(row[3], row[5]) for row in articles if row[3]]) or None
            described.append(
                (story_id, len(articles), "\n".join(sorted(outlets)), articles[0][4],
                 articles[-1][4], title)
            )  # fmt: skip
        db.executemany(
            "INSERT OR REPLACE INTO stories (id, articles, sources, first, last, title)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            described,
        )


def _note_carriers(db: sqlite3.Connection) -> None:
    """Each stored article of a source noted as a carrier of its paragraphs and of their first
    and last sentences, as ingest notes new ones: a paragraph counted already keeps its count,
    a sentence key (new in this version) is counted once."""
    from digest.clean import keyed_paragraphs  # the one keying rule

    note, last = NOTE_CARRIER.format(count="seen"), 0
    while rows := db.execute(  # a thousand at a time: a large store's text is not read at once
        "SELECT seq, id, source, text, spans FROM articles"
        " WHERE source IS NOT NULL AND seq > ? ORDER BY seq LIMIT 1000",
        (last,),
    ).fetchall():
        for _, article_id, source, text, spans in rows:
            keys = {key: None for p in keyed_paragraphs(text, spans) for key in p.all_keys()}
            db.executemany(note, [(source, k, article_id) for k in keys])
        last = rows[-1][0]


# How many carriers of a paragraph are noted per source: at most FURNITURE_CARRIERS are needed,
# and a source's paragraph seen that often is its boilerplate anyway.
CARRIERS_NOTED = 3
NOTE_CARRIER = (
    "INSERT INTO boilerplate (source, paragraph, seen, carriers) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (source, paragraph) DO UPDATE SET seen = {count}, carriers = CASE"
    " WHEN carriers IS NULL THEN excluded.carriers"
    f" WHEN length(carriers) - length(replace(carriers, ' ', '')) < {CARRIERS_NOTED - 1}"
    " THEN carriers || ' ' || excluded.carriers ELSE carriers END"
)


# Steps whose work only a build uses, left out of the upgraded copy a reading command makes
# (it would redo them at every command until a build upgrades the state): the stored articles
# noted as furniture carriers take about 35 s for 100,000 articles, their features with their
# language and names (migration 13) longer. (Migration 6's features stay: migration 7 indexes them.)
BUILD_ONLY: frozenset[Callable[[sqlite3.Connection], None]] = frozenset(
    {_note_carriers, _store_names}
)

# Each migration is a tuple of steps, run in one transaction: SQL statements, or functions of
# the connection for what SQL alone cannot do.
Step = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    (
        """CREATE TABLE articles (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            file TEXT NOT NULL,
            title TEXT, source TEXT, url TEXT,
            published TEXT,
            ingested TEXT NOT NULL,
            placed_at TEXT NOT NULL,  -- published, or ingested when the date is unknown (UTC ISO)
            text TEXT NOT NULL,
            language TEXT NOT NULL,
            features BLOB NOT NULL,
            story_id TEXT
        )""",
        "CREATE INDEX articles_story ON articles (story_id)",
        "CREATE INDEX articles_placed ON articles (placed_at)",
        """CREATE TABLE digests (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            generated_at TEXT NOT NULL,
            name TEXT NOT NULL,
            last_article_seq INTEGER NOT NULL,
            stories INTEGER NOT NULL
        )""",
        """CREATE TABLE boilerplate (
            source TEXT NOT NULL,
            paragraph TEXT NOT NULL,
            seen INTEGER NOT NULL,
            PRIMARY KEY (source, paragraph)
        ) WITHOUT ROWID""",
    ),
    (  # 2: what each digest showed of each story, so the next one tells only what is new
        """CREATE TABLE digest_stories (
            digest_seq INTEGER NOT NULL REFERENCES digests (seq),
            story_id TEXT NOT NULL,
            position INTEGER NOT NULL,  -- the story's place in that digest, from 0
            headline TEXT NOT NULL,
            status TEXT NOT NULL,  -- new | updated
            PRIMARY KEY (digest_seq, story_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX digest_stories_story ON digest_stories (story_id)",
        """CREATE TABLE shown_sentences (
            digest_seq INTEGER NOT NULL REFERENCES digests (seq),
            story_id TEXT NOT NULL,
            position INTEGER NOT NULL,  -- the sentence's place in the brief, from 0
            text TEXT NOT NULL,
            sources TEXT NOT NULL,  -- the ids of the articles that carried it, space-separated
            PRIMARY KEY (story_id, digest_seq, position)
        ) WITHOUT ROWID""",
    ),
    (),  # 3: a page title's site name no longer counts as its headline (6 recomputes them all)
    (  # 4: a digest's title with its record, so the archive lists digests without reading them
        "ALTER TABLE digests ADD COLUMN title TEXT",
    ),
    (  # 5: subscriptions: how each feed was last fetched, and which entries were written
        """CREATE TABLE feeds (
            url TEXT PRIMARY KEY,  -- as subscribed
            location TEXT NOT NULL,  -- where it is fetched from now (a 301 moves it)
            etag TEXT, last_modified TEXT,  -- validators for the next conditional GET
            last_fetch TEXT,  -- when it was last asked for (UTC ISO)
            status TEXT NOT NULL,  -- what that fetch got: "200", "304", an error
            entries INTEGER NOT NULL,  -- entries written into the inbox, all told
            failures INTEGER NOT NULL,  -- failed fetches in a row
            error TEXT,  -- the last error, while it keeps failing
            error_logged TEXT,  -- when a failure was last logged (once a day)
            retry_at TEXT,  -- not asked again before this (429, 503, failures)
            gone TEXT  -- when it answered 410 Gone: never fetched again
        ) WITHOUT ROWID""",
        """CREATE TABLE feed_entries (
            key TEXT PRIMARY KEY,  -- "id <feed url> <entry id>" or "link <entry link>"
            feed TEXT NOT NULL,
            taken TEXT NOT NULL
        ) WITHOUT ROWID""",
    ),
    (_recompute_features,),  # 6: the streets an article names are stored with its features
    (  # 7: what a build needs to find the stories a new article may join without reading all
        """CREATE TABLE term_frequencies (
            term INTEGER PRIMARY KEY,  -- a hashed stem of the clustering features
            articles INTEGER NOT NULL  -- how many articles in a story hold it
        )""",
        """CREATE TABLE term_articles (
            term INTEGER NOT NULL,  -- one of an article's most distinctive terms
            seq INTEGER NOT NULL,  -- the article (articles.seq)
            PRIMARY KEY (term, seq)
        ) WITHOUT ROWID""",
        _index_stored,
    ),
    (  # 8: a row a story, kept as articles join, so listing stories reads no article
        """CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            articles INTEGER NOT NULL,
            sources TEXT NOT NULL,  -- its outlets, one a line
            first TEXT NOT NULL, last TEXT NOT NULL,  -- its articles' placed_at, oldest, newest
            title TEXT  -- the headline its titles give (story_headline); NULL without titles
        ) WITHOUT ROWID""",
        lambda db: describe_stories(db, None),
    ),
    # 9: where each article's sentences lie, so that a story's brief need not split it again;
    # found as articles are read (those stored before are split when briefed, as they were)
    ("ALTER TABLE articles ADD COLUMN spans BLOB",),
    (  # 10: furniture across builds: the articles that carried each paragraph, by its key
        "ALTER TABLE boilerplate ADD COLUMN carriers TEXT",  # ids of a source's first ones
        "CREATE INDEX boilerplate_paragraph ON boilerplate (paragraph)",
        _note_carriers,
    ),
    (  # 11: a story left out because its new articles added nothing: they count as seen since
        """CREATE TABLE IF NOT EXISTS passed_over (
            story_id TEXT PRIMARY KEY,
            last_article_seq INTEGER NOT NULL  -- the articles stored then (articles.seq)
        ) WITHOUT ROWID""",
    ),
    (),  # 12: the article's language is stored with its features (13 recomputes them all)
    (_store_names,),  # 13: its names too, unstemmed and accent-free (`cluster.features`)
)
