"""The state: one SQLite file of articles, stories and digests issued.

Schema changes are numbered migrations, applied in order and recorded in `PRAGMA user_version`.
Every change happens inside a transaction, so a crash at any moment leaves the store as it was
before the change or after it, never in between.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import sqlite3
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from digest.errors import DigestError, StoreError
from digest.models import (
    Article,
    Brief,
    BriefSentence,
    Coverage,
    Frequencies,
    History,
    Placed,
    Story,
)
from digest.outlets import outlet

T = TypeVar("T")
log = logging.getLogger(__name__)
BUSY_SECONDS = 30.0  # how long to wait for another process that holds the database
# The state is read through a memory map of up to this many bytes: a build at 100,000 stored
# articles reads some 400,000 pages of it, each a system call (and a copy) without the map.
MMAP_BYTES = 1 << 30
_ARTICLE_COLUMNS = "id, file, title, source, url, published, text, language, ingested"  # `_article`


def _recompute_features(db: sqlite3.Connection) -> None:
    """Clustering features computed again from each stored article (their rule changed); no
    id, story or text changes."""
    from digest.cluster import recompute_features  # numpy and scipy: not for opening a store

    total, done, last = db.execute("SELECT count(*) FROM articles").fetchone()[0], 0, 0
    while rows := db.execute(  # a thousand at a time: a large store's text is not read at once
        f"SELECT seq, {_ARTICLE_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT 1000",
        (last,),
    ).fetchall():
        articles = (_article(row[1:]) for row in rows)
        db.executemany(
            "UPDATE articles SET features = ? WHERE id = ?",
            [(blob, article_id) for article_id, blob in recompute_features(articles)],
        )
        done, last = done + len(rows), rows[-1][0]
        if done % 20_000 < len(rows) or done == total:
            log.info("clustering features computed again: %d of %d articles", done, total)


def _store_languages(db: sqlite3.Connection) -> None:
    """Once, the features computed again with each article's language; now migration 13
    (`_store_names`), which every upgrade through 12 runs too, computes them: not done twice."""


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


def _describe_stories(db: sqlite3.Connection, ids: Sequence[str] | None) -> None:
    """Rows of the stories table for these stories (None: every story)."""
    from digest.summarize import story_headline  # the one headline rule

    select = "SELECT story_id, source, url, title, placed_at, language FROM articles"
    chunks = [None] if ids is None else list(_chunks(ids))
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

    note, last = _NOTE_CARRIER.format(count="seen"), 0
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
_NOTE_CARRIER = (
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
    {_note_carriers, _store_languages, _store_names}
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
        lambda db: _describe_stories(db, None),
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
    (_store_languages,),  # 12: the article's language is stored with its features
    (_store_names,),  # 13: its names too, unstemmed and accent-free (`cluster.features`)
)


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A digest issued earlier."""

    seq: int
    generated_at: datetime
    name: str
    last_article_seq: int
    stories: int
    title: str | None = None  # None for a digest recorded before titles were
    headlines: tuple[str, ...] = ()  # of its stories, in order (when it recorded them)
    story_ids: tuple[str, ...] = ()  # of the same stories


@dataclass(frozen=True, slots=True)
class StoryInfo:
    """A story as listed by `digest stories`."""

    id: str
    articles: int
    sources: tuple[str, ...]
    first: datetime
    last: datetime
    title: str | None


class Store:
    """Access to the state database; use `Store.open(path)` as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path
        self._scratch: tempfile.TemporaryDirectory | None = None  # the folder of a copy

    @classmethod
    def open(cls, path: Path, *, upgrade: bool = True, building: bool = False) -> Store:
        """Open (creating and migrating if needed) the store at `path`.

        With `upgrade=False`, a store of an older schema is left as it is: what is opened is an
        upgraded copy of it in a temporary folder (removed on closing), for commands that only
        read or that must change nothing (a dry run: `building`, its copy gets the BUILD_ONLY
        steps too, so that it places articles as the build would).

        While another process creates the database or turns on its write-ahead log, SQLite may
        answer "database is locked" at once, without waiting; opening then tries again for up
        to BUSY_SECONDS.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{path}: cannot create the state folder ({error})") from None
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                return cls._connect(path, upgrade=upgrade, building=building)
            except sqlite3.DatabaseError as error:
                locked = isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
                if not locked or time.monotonic() >= deadline:
                    fault = state_fault(error, path)
                    message = f"{path}: cannot open the state database ({error})"
                    raise fault or StoreError(message) from None
                time.sleep(0.05)

    @classmethod
    def open_existing(cls, path: Path) -> Store | None:
        """The store at `path` to read when there is one, else None: asking creates nothing
        and changes nothing (an older state is read through an upgraded copy)."""
        return cls.open(path, upgrade=False) if path.exists() else None

    @classmethod
    def _connect(cls, path: Path, *, upgrade: bool = True, building: bool = False) -> Store:
        """One attempt at opening the store; the connection is closed again if it fails."""
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS)
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")  # kept in the file from then on
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            store = cls(connection, path)
            if upgrade:
                store._migrate()
            elif connection.execute("PRAGMA user_version").fetchone()[0] != len(MIGRATIONS):
                return store._upgraded_copy(building=building)
        except BaseException:
            connection.close()
            raise
        return store

    def _upgraded_copy(self, *, building: bool = False) -> Store:
        """A copy of this store, migrated (the BUILD_ONLY steps only when `building`), in a
        temporary folder that goes when it closes; this store is closed, unchanged."""
        try:
            scratch = tempfile.TemporaryDirectory(prefix="digest-state-")
        except OSError as error:
            self.db.close()
            raise StoreError(
                f"{self.path} is from an older version and is read through an upgraded copy,"
                f" but no temporary folder can be made in {tempfile.gettempdir()}"
                f" ({error.strerror}); `digest build` upgrades the state itself"
            ) from None
        copy = sqlite3.connect(Path(scratch.name) / self.path.name, isolation_level=None)
        store = Store(copy, self.path)  # messages name the state the copy was made of
        store._scratch = scratch
        try:
            self.db.backup(copy)
            self.db.close()
            store._migrate(copy=not building)
        except BaseException:
            store.close()
            raise
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    def _migrate(self, *, copy: bool = False) -> None:
        """Apply the migrations the state lacks; in an upgraded `copy` (a command that only
        reads), the BUILD_ONLY steps are left out: what they fill serves builds alone."""
        if self.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return
        with self.transaction():  # re-read inside the lock: another process may have migrated
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} was written by a newer digest (schema {version}); upgrade digest"
                )
            if version and self._scratch is not None and not copy:  # a dry run's copy
                log.info(
                    "reading %s through a copy upgraded from schema %d to %d (a build upgrades"
                    " the state itself)", self.path, version, len(MIGRATIONS),
                )  # fmt: skip
            elif version and not copy:  # an existing state: a large one takes a while, once
                log.info("upgrading %s from schema %d to %d", self.path, version, len(MIGRATIONS))
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for step in statements:
                    if copy and step in BUILD_ONLY:
                        continue
                    if callable(step):
                        step(self.db)
                    else:
                        self.db.execute(step)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self, *, rollback: bool = False) -> Iterator[None]:
        """All changes inside are kept together; with rollback=True none is kept (dry runs)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException as error:
            self._roll_back()
            if isinstance(error, sqlite3.Error) and (fault := state_fault(error, self.path)):
                raise fault from error
            raise
        try:
            self.db.execute("ROLLBACK" if rollback else "COMMIT")
        except sqlite3.Error as error:  # a full disk, say: nothing of the transaction is kept
            self._roll_back()
            raise StoreError(
                f"{self.path}: cannot save the state ({error}); nothing of this build was kept"
            ) from error

    def _roll_back(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # Articles ---------------------------------------------------------------------------------

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are stored already."""
        ids = list(ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def add_articles(self, articles: Sequence[tuple[Article, bytes]], ingested: datetime) -> None:
        """Store new articles with their clustering features (not yet in a story)."""
        stamp = _iso(ingested)
        rows = []
        for article, features in articles:
            placed_at = article.published or ingested
            rows.append(
                (
                    article.id, article.file, article.title, article.source, article.url,
                    _iso(article.published) if article.published else None, stamp,
                    _iso(placed_at), article.text, article.language, features, article.spans,
                )
            )  # fmt: skip
        self.db.executemany(
            "INSERT INTO articles (id, file, title, source, url, published, ingested, placed_at,"
            " text, language, features, spans) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def unplaced(self) -> list[Placed]:
        """Stored articles not yet in a story (left by an interrupted build)."""
        rows = self.db.execute(
            "SELECT id, story_id, placed_at, features FROM articles WHERE story_id IS NULL"
        )
        return [_placement(row) for row in rows]

    def frequencies(self, terms: Iterable[int]) -> Frequencies:
        """How many articles are in stories, and how many of them hold each of these terms."""
        documents = self.db.execute(
            "SELECT count(*) FROM articles WHERE story_id IS NOT NULL"
        ).fetchone()[0]
        rows = self._rows_in("SELECT term, articles FROM term_frequencies WHERE term IN", terms)
        return Frequencies(documents, dict(rows))

    def stories_indexed(
        self, terms: Iterable[int], since: datetime, per_term: int
    ) -> list[tuple[int, str]]:
        """(term, story id) for each of these terms and the stories of the `per_term` newest
        articles indexed under it (`index_placed`) whose story's newest article is at or after
        `since`. One look-up a term, along the index: the cost does not grow with the store."""
        query = (
            "SELECT a.story_id FROM term_articles t JOIN articles a ON a.seq = t.seq"
            " JOIN stories s ON s.id = a.story_id"
            " WHERE t.term = ? AND s.last >= ? ORDER BY t.seq DESC LIMIT ?"
        )
        stamp, found = _iso(since), []
        for term in sorted(set(terms)):
            rows = self.db.execute(query, (term, stamp, per_term))
            found += [(term, story) for story in dict.fromkeys(row[0] for row in rows)]
        return found

    def placements_of(self, stories: Iterable[str], newest: int | None = None) -> list[Placed]:
        """The articles of these stories; with `newest`, only each story's `newest` last stored
        ones (one look-up a story along its index: the cost does not grow with its length)."""
        select = "SELECT id, story_id, placed_at, features FROM articles WHERE story_id"
        if newest is None:
            return [_placement(row) for row in self._rows_in(f"{select} IN", stories)]
        query = f"{select} = ? ORDER BY seq DESC LIMIT ?"
        return [
            _placement(row)
            for story in sorted(set(stories))
            for row in self.db.execute(query, (story, newest))
        ]

    def _rows_in(self, select: str, values: Iterable, *before: object) -> Iterator[tuple]:
        """The rows of `select` (ending in "... IN") for these values, asked in chunks; the
        parameters `before` come first."""
        for chunk in _chunks(sorted(set(values))):
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"{select} ({marks})", (*before, *chunk))

    def index_placed(self, indexed: Mapping[str, Sequence[int]], terms: Mapping[int, int]) -> None:
        """Index articles just placed in stories under their distinctive terms (by article id),
        and count `terms` (each article's terms, once) into the term frequencies."""
        seqs = self.article_seqs(indexed)
        # In key order: each page of the two tables is then written once, not once a row.
        self.db.executemany(
            "INSERT OR IGNORE INTO term_articles (term, seq) VALUES (?, ?)",
            sorted((term, seqs[article]) for article, found in indexed.items() for term in found),
        )
        self.db.executemany(
            "INSERT INTO term_frequencies (term, articles) VALUES (?, ?)"
            " ON CONFLICT (term) DO UPDATE SET articles = articles + excluded.articles",
            sorted(terms.items()),
        )

    def place(self, story_of: dict[str, str]) -> None:
        """Record the story of each article id."""
        self.db.executemany(
            "UPDATE articles SET story_id = ? WHERE id = ?",
            [(story, article) for article, story in story_of.items()],
        )

    def assignments(self) -> dict[str, str]:
        """The story id of every stored article, by the file name it came from."""
        rows = self.db.execute("SELECT file, story_id FROM articles WHERE story_id IS NOT NULL")
        return dict(rows.fetchall())

    # Stories ----------------------------------------------------------------------------------

    def story_ids_with_news(self, after_seq: int) -> list[str]:
        """Stories that received an article stored after the article numbered `after_seq`."""
        # The new articles by their number (the primary key), then only their stories' articles.
        rows = self.db.execute(
            "SELECT story_id FROM articles WHERE story_id IN"
            " (SELECT story_id FROM articles WHERE seq > ?)"
            " GROUP BY story_id ORDER BY max(placed_at) DESC, story_id",
            (after_seq,),
        )
        return [row[0] for row in rows]

    def all_story_ids(self) -> list[str]:
        return self.story_ids_with_news(0)

    def stories(self, ids: Sequence[str]) -> list[Story]:
        """The stories with these ids (in this order), with their articles."""
        by_story: dict[str, list[Article]] = {story_id: [] for story_id in ids}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT story_id, {_ARTICLE_COLUMNS}, spans"
                f" FROM articles WHERE story_id IN ({marks}) ORDER BY placed_at, id",
                chunk,
            )
            for row in rows:
                by_story[row[0]].append(_article(row[1:-1], spans=row[-1]))
        return [Story(story_id, tuple(by_story[story_id])) for story_id in ids]

    def story_infos(self) -> list[StoryInfo]:
        """Every story with its article count, outlets and date range, newest first.

        Outlets are named as in a digest: an article's source, else its web site's host name.
        The title is the headline the digest gives a story from its titles (`story_headline`).
        Read from the stories table (`describe_stories` keeps it), one row a story.
        """
        rows = self.db.execute(
            "SELECT id, articles, sources, first, last, title FROM stories ORDER BY last DESC, id"
        )
        return [
            StoryInfo(story, count, tuple(sources.split("\n")) if sources else (),
                      _date(first), _date(last), title)
            for story, count, sources, first, last, title in rows
        ]  # fmt: skip

    def describe_stories(self, ids: Iterable[str]) -> None:
        """Record these stories' article counts, outlets, date ranges and titles as they are
        now (after articles joined them), for `story_infos`."""
        _describe_stories(self.db, sorted(set(ids)))

    # Boilerplate -----------------------------------------------------------------------------

    def count_paragraphs(self, source: str, keys: Iterable[str], carrier: str) -> dict[str, int]:
        """Add one sighting of each paragraph key for a source, by the article `carrier` (an
        id); returns the new totals."""
        keys = list(dict.fromkeys(keys))
        self.db.executemany(
            _NOTE_CARRIER.format(count="seen + 1"), [(source, key, carrier) for key in keys]
        )
        totals = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT paragraph, seen FROM boilerplate WHERE source = ? AND paragraph IN"
                f" ({marks})",
                [source, *chunk],
            )
            totals.update(rows.fetchall())
        return totals

    def has_paragraph_counts(self) -> bool:
        """True when any paragraph has been counted for a source (any evidence of furniture)."""
        return self.db.execute("SELECT 1 FROM boilerplate LIMIT 1").fetchone() is not None

    def paragraph_carriers(self, keys: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """The stored articles noted as carrying each of these paragraph keys, as (source,
        article id), by key: index lookups, whatever the store holds."""
        carriers: dict[str, list[tuple[str, str]]] = {}
        select = "SELECT paragraph, source, carriers FROM boilerplate WHERE paragraph IN"
        for key, source, ids in self._rows_in(select, keys):
            carriers.setdefault(key, []).extend((source, i) for i in (ids or "").split())
        return carriers

    def repeated_paragraphs(self, keys: Iterable[str], times: int) -> dict[str, set[str]]:
        """Those of these paragraph keys a source was seen carrying `times` times or more (its
        boilerplate), by source."""
        found: dict[str, set[str]] = {}
        select = "SELECT source, paragraph FROM boilerplate WHERE seen >= ? AND paragraph IN"
        for source, key in self._rows_in(select, keys, times):
            found.setdefault(source, set()).add(key)
        return found

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]:
        """These stored articles, by id (an id not stored is left out)."""
        select = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        rows = self._rows_in(f"{select} WHERE id IN", ids)
        return {article.id: article for article in map(_article, rows)}

    # Digests ---------------------------------------------------------------------------------

    def last_digest(self) -> DigestRecord | None:
        row = self.db.execute(
            "SELECT seq, generated_at, name, last_article_seq, stories, title FROM digests"
            " ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return DigestRecord(row[0], _date(row[1]), *row[2:]) if row else None

    def digests(self, headlines: int | None = None) -> list[DigestRecord]:
        """Every digest issued, oldest first, with its stories' headlines (only the first
        `headlines` of each, when given: a year of digests holds a hundred thousand)."""
        first: dict[int, list[str]] = {}
        story_ids: dict[int, list[str]] = {}
        for seq, headline, story_id in self.db.execute(
            "SELECT digest_seq, headline, story_id FROM digest_stories WHERE position < ?"
            " ORDER BY digest_seq, position",
            (2**62 if headlines is None else headlines,),
        ):
            first.setdefault(seq, []).append(headline)
            story_ids.setdefault(seq, []).append(story_id)
        rows = self.db.execute(
            "SELECT seq, generated_at, name, last_article_seq, stories, title FROM digests"
            " ORDER BY seq"
        )
        return [
            DigestRecord(
                row[0],
                _date(row[1]),
                *row[2:],
                tuple(first.get(row[0], ())),
                tuple(story_ids.get(row[0], ())),
            )
            for row in rows
        ]

    def article_seqs(self, ids: Iterable[str]) -> dict[str, int]:
        """The storage number of each of these article ids that is stored."""
        ids = list(ids)
        seqs: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT id, seq FROM articles WHERE id IN ({marks})", chunk)
            seqs.update(rows.fetchall())
        return seqs

    def last_article_seq(self) -> int:
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]

    def record_digest(
        self, generated_at: datetime, name: str, briefs: Sequence[Brief] = (), title: str = ""
    ) -> None:
        """Record a digest issued, with each story it covered and the sentences it showed."""
        cursor = self.db.execute(
            "INSERT INTO digests (generated_at, name, last_article_seq, stories, title)"
            " VALUES (?, ?, ?, ?, ?)",
            # In the schedule's own time, as the digest's name and files give it (digests are
            # ordered by their number, not by this text).
            (
                generated_at.isoformat(timespec="seconds"),
                name,
                self.last_article_seq(),
                len(briefs),
                title,
            ),
        )
        seq = cursor.lastrowid
        self.db.executemany(
            "INSERT INTO digest_stories (digest_seq, story_id, position, headline, status)"
            " VALUES (?, ?, ?, ?, ?)",
            [(seq, b.story_id, i, b.headline, b.status) for i, b in enumerate(briefs)],
        )
        self.db.executemany(
            "INSERT INTO shown_sentences (digest_seq, story_id, position, text, sources)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (seq, b.story_id, i, s.text, " ".join(s.sources))
                for b in briefs
                for i, s in enumerate(b.sentences)
            ],
        )

    def histories(self, story_ids: Sequence[str]) -> dict[str, History]:
        """What earlier digests showed of these stories; a story never shown is left out.

        The articles a reader has seen of a story are those it held when a digest last showed
        it (its articles stored up to that digest); those it held when a later build left it out
        because they added nothing to what was shown (`pass_over`) are passed: no news, but
        not what the reader read either (what counts as told does not grow with them). Those
        it held when a digest first showed it are what the reader first read of it.
        """
        coverages: dict[str, list[Coverage]] = {}
        first_up_to: dict[str, int] = {}
        seen_up_to: dict[str, int] = {}
        passed_up_to: dict[str, int] = {}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT ds.story_id, d.seq, d.name, d.generated_at, ds.headline,"
                " d.last_article_seq FROM digest_stories ds JOIN digests d ON d.seq = ds.digest_seq"
                f" WHERE ds.story_id IN ({marks}) ORDER BY ds.story_id, d.seq",
                chunk,
            ).fetchall()
            shown = self._shown_sentences(chunk)
            for story_id, seq, name, generated_at, headline, last_seq in rows:
                sentences = tuple(shown.get((story_id, seq), ()))
                coverage = Coverage(name, _date(generated_at), headline, sentences)
                coverages.setdefault(story_id, []).append(coverage)
                first_up_to.setdefault(story_id, last_seq)
                seen_up_to[story_id] = last_seq
            passed = self.db.execute(
                f"SELECT story_id, last_article_seq FROM passed_over WHERE story_id IN ({marks})",
                chunk,
            )
            for story_id, last_seq in passed:
                if story_id in seen_up_to and last_seq > seen_up_to[story_id]:
                    passed_up_to[story_id] = last_seq
        stored = self._article_seqs_of(list(coverages))
        histories = {}
        for story_id, found in coverages.items():
            articles = stored.get(story_id, ())
            read = frozenset(a for a, seq in articles if seq <= seen_up_to[story_id])
            passed_by = frozenset(
                a for a, seq in articles if seq <= passed_up_to.get(story_id, 0)
            ).difference(read)
            first = frozenset(a for a, seq in articles if seq <= first_up_to[story_id])
            histories[story_id] = History(tuple(found), read, passed_by, first)
        return histories

    def pass_over(self, story_ids: Iterable[str]) -> None:
        """Record that these stories' articles stored so far add nothing to what digests showed
        of them (a build left them out): later updates read them as passed over (`histories`),
        not as news."""
        last = self.last_article_seq()
        self.db.executemany(
            "INSERT OR REPLACE INTO passed_over (story_id, last_article_seq) VALUES (?, ?)",
            [(story_id, last) for story_id in story_ids],
        )

    def _shown_sentences(self, story_ids: Sequence[str]) -> dict[tuple[str, int], list]:
        marks = ",".join("?" * len(story_ids))
        rows = self.db.execute(
            "SELECT story_id, digest_seq, text, sources FROM shown_sentences"
            f" WHERE story_id IN ({marks}) ORDER BY story_id, digest_seq, position",
            list(story_ids),
        )
        shown: dict[tuple[str, int], list[BriefSentence]] = {}
        for story_id, seq, text, sources in rows:
            shown.setdefault((story_id, seq), []).append(
                BriefSentence(text, tuple(sources.split()))
            )
        return shown

    def _article_seqs_of(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """Each story's articles: their ids and storage numbers."""
        found: dict[str, list[tuple[str, int]]] = {}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT story_id, id, seq FROM articles WHERE story_id IN ({marks})", chunk
            )
            for story_id, article_id, seq in rows:
                found.setdefault(story_id, []).append((article_id, seq))
        return found

    def counts(self) -> dict[str, int]:
        """How many articles and stories are stored."""
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        stories = self.db.execute("SELECT count(*) FROM stories").fetchone()[0]
        return {"articles": articles, "stories": stories}

    # Feeds ------------------------------------------------------------------------------------

    def feed_records(self) -> dict[str, FeedRecord]:
        """How each feed fetched so far was last fetched, by its subscribed URL."""
        rows = self.db.execute(f"SELECT {_FEED_COLUMNS} FROM feeds")
        return {row[0]: _feed_record(row) for row in rows}

    def save_feed(self, record: FeedRecord) -> None:
        """Record how a feed was fetched (replacing what was recorded before)."""
        values = [getattr(record, name) for name in FeedRecord.__slots__]
        values = [_iso(v) if isinstance(v, datetime) else v for v in values]
        marks = ",".join("?" * len(values))
        self.db.execute(f"INSERT OR REPLACE INTO feeds ({_FEED_COLUMNS}) VALUES ({marks})", values)

    def taken_entries(self, keys: Iterable[str]) -> set[str]:
        """Which of these entry keys were written into the inbox already."""
        return {row[0] for row in self._rows_in("SELECT key FROM feed_entries WHERE key IN", keys)}

    def take_entries(self, feed: str, keys: Iterable[str], when: datetime) -> None:
        """Remember entry keys as written into the inbox."""
        self.db.executemany(
            "INSERT OR IGNORE INTO feed_entries (key, feed, taken) VALUES (?, ?, ?)",
            [(key, feed, _iso(when)) for key in keys],
        )


def resolve_story_id(titles: Mapping[str, str | None], wanted: str) -> str:
    """The stored story id `wanted`, or the only one it begins; DigestError otherwise, listing
    the stories it begins (id and title) or the closest ids. `titles` maps ids to titles."""
    if wanted in titles:
        return wanted
    starting = [story for story in titles if story.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    if len(starting) > 1:
        listed = "".join(f"\n  {story}  {titles[story] or '(untitled)'}" for story in starting[:20])
        more = f"\n  ... and {len(starting) - 20} more" if len(starting) > 20 else ""
        raise DigestError(f"no story {wanted!r}; it begins {len(starting)} stories:{listed}{more}")
    close = difflib.get_close_matches(wanted, list(titles), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `digest stories` lists them"
    raise DigestError(f"no story {wanted!r}{hint}")


# What SQLite says when the state file or its disk, not digest, is at fault.
_FAULTS = ("disk is full", "disk i/o error", "malformed", "not a database", "readonly database",
           "unable to open database")  # fmt: skip


def state_fault(error: sqlite3.Error, path: Path) -> StoreError | None:
    """A StoreError a person can act on, when `error` says the state file or its disk is at
    fault (full, damaged, read-only); None for any other error (a bug)."""
    message = str(error)
    if not any(fault in message.lower() for fault in _FAULTS):
        return None
    advice = (
        "free some space and run the command again"
        if "full" in message
        else "the file is damaged or cannot be written; restore it from a backup, or move it"
        " aside to start a new state (the articles are in the inbox's processed/ folder)"
    )
    return StoreError(f"{path}: {message}: {advice}")


def _chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """Lists of at most `size` values: SQLite limits the parameters of one statement."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _placement(row: tuple) -> Placed:
    return Placed(row[0], row[1], _date(row[2]), row[3])


def _article(row: tuple, spans: bytes | None = None) -> Article:
    """The article of a row of _ARTICLE_COLUMNS."""
    article_id, file, title, source, url, published, text, language, ingested = row
    return Article(
        id=article_id, file=file, title=title, source=source, url=url,
        published=_date(published) if published else None, text=text, language=language,
        spans=spans, received=_date(ingested),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """How a subscribed feed was last fetched."""

    url: str  # as subscribed
    location: str  # where it is fetched from now
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    status: str = ""
    entries: int = 0
    failures: int = 0
    error: str | None = None
    error_logged: datetime | None = None
    retry_at: datetime | None = None
    gone: datetime | None = None


_FEED_COLUMNS = ", ".join(FeedRecord.__slots__)
_FEED_DATES = ("last_fetch", "error_logged", "retry_at", "gone")


def _feed_record(row: tuple) -> FeedRecord:
    values = dict(zip(FeedRecord.__slots__, row, strict=True))
    for name in _FEED_DATES:
        values[name] = _date(values[name]) if values[name] else None
    return FeedRecord(**values)
