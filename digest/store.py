"""The state: one SQLite file of articles, stories and digests issued.

Schema changes are numbered migrations (`digest/migrations.py`), applied in order and recorded
in `PRAGMA user_version`. Every change happens inside a transaction, so a crash at any moment
leaves the store as it was before the change or after it, never in between.
"""

from __future__ import annotations

import difflib
import logging
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError, StoreError
from digest.migrations import BUILD_ONLY, MIGRATIONS, NOTE_CARRIER, describe_stories
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
from digest.rows import ARTICLE_COLUMNS, from_iso, in_chunks, row_article, to_iso

log = logging.getLogger(__name__)
BUSY_SECONDS = 30.0  # how long to wait for another process that holds the database
# The state is read through a memory map of up to this many bytes: a build at 100,000 stored
# articles reads some 400,000 pages of it, each a system call (and a copy) without the map.
MMAP_BYTES = 1 << 30


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
        for chunk in in_chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def add_articles(self, articles: Sequence[tuple[Article, bytes]], ingested: datetime) -> None:
        """Store new articles with their clustering features (not yet in a story)."""
        stamp = to_iso(ingested)
        rows = []
        for article, features in articles:
            placed_at = article.published or ingested
            rows.append(
                (
                    article.id, article.file, article.title, article.source, article.url,
                    to_iso(article.published) if article.published else None, stamp,
                    to_iso(placed_at), article.text, article.language, features, article.spans,
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
        stamp, found = to_iso(since), []
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
        for chunk in in_chunks(sorted(set(values))):
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
        for chunk in in_chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT story_id, {ARTICLE_COLUMNS}, spans"
                f" FROM articles WHERE story_id IN ({marks}) ORDER BY placed_at, id",
                chunk,
            )
            for row in rows:
                by_story[row[0]].append(row_article(row[1:-1], spans=row[-1]))
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
                      from_iso(first), from_iso(last), title)
            for story, count, sources, first, last, title in rows
        ]  # fmt: skip

    def describe_stories(self, ids: Iterable[str]) -> None:
        """Record these stories' article counts, outlets, date ranges and titles as they are
        now (after articles joined them), for `story_infos`."""
        describe_stories(self.db, sorted(set(ids)))

    # Boilerplate -----------------------------------------------------------------------------

    def count_paragraphs(self, source: str, keys: Iterable[str], carrier: str) -> dict[str, int]:
        """Add one sighting of each paragraph key for a source, by the article `carrier` (an
        id); returns the new totals."""
        keys = list(dict.fromkeys(keys))
        self.db.executemany(
            NOTE_CARRIER.format(count="seen + 1"), [(source, key, carrier) for key in keys]
        )
        totals = {}
        for chunk in in_chunks(keys):
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
        select = f"SELECT {ARTICLE_COLUMNS} FROM articles"
        rows = self._rows_in(f"{select} WHERE id IN", ids)
        return {article.id: article for article in map(row_article, rows)}

    # Digests ---------------------------------------------------------------------------------

    def last_digest(self) -> DigestRecord | None:
        row = self.db.execute(
            "SELECT seq, generated_at, name, last_article_seq, stories, title FROM digests"
            " ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return DigestRecord(row[0], from_iso(row[1]), *row[2:]) if row else None

    def digest_names(self) -> set[str]:
        """The names of the digests issued."""
        return {name for (name,) in self.db.execute("SELECT name FROM digests")}

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
                from_iso(row[1]),
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
        for chunk in in_chunks(ids):
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
        for chunk in in_chunks(story_ids):
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
                coverage = Coverage(name, from_iso(generated_at), headline, sentences)
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
        for chunk in in_chunks(story_ids):
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
        values = [to_iso(v) if isinstance(v, datetime) else v for v in values]
        marks = ",".join("?" * len(values))
        self.db.execute(f"INSERT OR REPLACE INTO feeds ({_FEED_COLUMNS}) VALUES ({marks})", values)

    def taken_entries(self, keys: Iterable[str]) -> set[str]:
        """Which of these entry keys were written into the inbox already."""
        return {row[0] for row in self._rows_in("SELECT key FROM feed_entries WHERE key IN", keys)}

    def take_entries(self, feed: str, keys: Iterable[str], when: datetime) -> None:
        """Remember entry keys as written into the inbox."""
        self.db.executemany(
            "INSERT OR IGNORE INTO feed_entries (key, feed, taken) VALUES (?, ?, ?)",
            [(key, feed, to_iso(when)) for key in keys],
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
    lowered = message.lower()
    if not any(fault in lowered for fault in _FAULTS):
        return None
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in lowered:
        return StoreError(f"{path}: {message}: free some space and run the command again")
    if "disk i/o error" in lowered:  # often a write that a full disk refused
        with suppress(OSError):
            if shutil.disk_usage(path.parent).free < 1_000_000:  # full, or also damaged
                return StoreError(
                    f"{path}: {message} (the disk is full): free some space; if it persists,"
                    " the file may be damaged: restore it from a backup"
                )
    advice = (
        "the file is damaged or cannot be written; restore it from a backup, or move it"
        " aside to start a new state (the articles are in the inbox's processed/ folder)"
    )
    return StoreError(f"{path}: {message}: {advice}")


def _placement(row: tuple) -> Placed:
    return Placed(row[0], row[1], from_iso(row[2]), row[3])


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
        values[name] = from_iso(values[name]) if values[name] else None
    return FeedRecord(**values)
