"""The archive of every digest in outbox/: an index page and an Atom feed.

Both are rebuilt after each build that writes a digest, from the digest files in the outbox (the
store's record of each digest gives its title, time and headlines; its JSON, or its dated name,
stands in when it has no record). The feed's entries carry their digest's briefs, read from its
JSON. Each digest's permalink is its dated file name, in the first format it was written in
(`permalinks`); a digest that a build is publishing, or stopped publishing before recording it,
is passed over.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from digest import publish
from digest.config import Config
from digest.errors import DigestError
from digest.files import write_atomic
from digest.models import Brief
from digest.permalinks import PERMALINK_FORMATS, digest_files
from digest.render import LATEST, environment, template_failure
from digest.schema import from_json
from digest.store import DigestRecord, Store

log = logging.getLogger(__name__)
PAGES = {"index.html": "index.html.j2", "feed.xml": "feed.xml.j2"}
FEED_ENTRIES = 50  # the newest digests in the feed; the index page lists them all
FEED_BRIEFS = 10  # of which the newest carry their briefs (the rest their headlines), so that
# the feed stays small: a reader that polls daily has long taken the older ones
FEED_STORIES = 25  # briefs in one feed entry, the digest's first; the rest are a link away
FEED_COPIES = "feed"  # beside the state: the part of each digest's JSON its feed entry shows
RECORD_HEADLINES = FEED_STORIES  # of each recorded digest: the most the index or the feed shows
DIGEST_NAME = re.compile(r"digest-(\d{4}-\d{2}-\d{2})(?:-(\d+))?")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
HEADLINE_CHARS = 90  # of the top headline in a mail's subject and a feed entry's title
SUMMARY_HEADLINES = 10  # in a feed entry's summary, each shortened to HEADLINE_CHARS


@dataclass(frozen=True, slots=True)
class Issue:
    """One digest written earlier, as the archive and the mailer see it."""

    name: str  # digest-2026-11-21
    title: str
    generated_at: datetime
    stories: int | None  # None when unknown
    headlines: tuple[str, ...]  # of its first RECORD_HEADLINES stories (all, read from its JSON)
    files: tuple[Path, ...]  # its files, the permalink first
    story_ids: tuple[str, ...] = ()  # of the headlines' stories, when known
    briefs: tuple[Brief, ...] = ()  # its stories in full (for the feed), when read

    @property
    def heading(self) -> str:
        """`Title · Saturday 21 November 2026 · Top headline and 3 more`, with the time and the
        digest's number of the day after the date when an earlier digest came out the same day:
        the mail's subject and the feed entry's title, which so differ between the digests of
        one day (even two built in one minute)."""
        when = f"{self.generated_at:%A %d %B %Y}"
        number = _number(self.name)
        if number > 1:
            when += f", {self.generated_at:%H:%M} (no. {number})"
        parts = [self.title, when]
        if self.headlines:
            top = _shortened(self.headlines[0], HEADLINE_CHARS)
            more = self.story_count - 1
            parts.append(f"{top} and {more} more" if more else top)
        return _clean(" · ".join(parts))

    @property
    def story_count(self) -> int:
        """How many stories it has (as many as its headlines, when its record does not say)."""
        return self.stories if self.stories is not None else len(self.headlines)

    @property
    def summary(self) -> str:
        """A feed entry's summary: `65 stories: headline · headline · … and 55 more`, the first
        SUMMARY_HEADLINES headlines shortened (a day of untitled articles has sentences for
        headlines)."""
        count = self.story_count
        shown = [_shortened(h, HEADLINE_CHARS) for h in self.headlines[:SUMMARY_HEADLINES]]
        more = count - len(shown)
        text = f"{count} {'story' if count == 1 else 'stories'}: {' · '.join(shown)}"
        return _clean(text + (f" and {more} more" if more > 0 else ""))

    @property
    def feed_headlines(self) -> tuple[tuple[str, str | None], ...]:
        """The first FEED_STORIES of `headline_links`: what a feed entry without briefs lists."""
        return self.headline_links[:FEED_STORIES]

    def story_link(self, story_id: str) -> str | None:
        """The story's place in this digest's HTML page (relative), when it has one."""
        return _story_link(self.file("html"), story_id)

    @property
    def headline_links(self) -> tuple[tuple[str, str | None], ...]:
        """(headline, link to its story or None) of each story."""
        ids = self.story_ids + ("",) * (len(self.headlines) - len(self.story_ids))
        page = self.file("html")
        return tuple(zip(self.headlines, [_story_link(page, i) for i in ids], strict=False))

    @property
    def permalink(self) -> str:
        """The file name that always holds this digest."""
        return self.files[0].name

    @property
    def id(self) -> str:
        """A stable, unique IRI for feeds: the same digest always has the same id."""
        stamp = self.generated_at.astimezone(UTC).isoformat(timespec="seconds")
        return uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{self.name}:{stamp}").urn

    def file(self, fmt: str) -> Path | None:
        """Its file of format `fmt` (html, md or json), when it was written."""
        return next((path for path in self.files if path.suffix == f".{fmt}"), None)


@dataclass(frozen=True, slots=True)
class Archive:
    """What the index page and the feed templates receive."""

    title: str
    id: str
    updated: datetime
    issues: tuple[Issue, ...]  # newest first
    feed_issues: tuple[Issue, ...]  # the newest FEED_ENTRIES of them, FEED_BRIEFS with briefs
    base_url: str = ""  # where the outbox is served ("" or ending in "/")

    def url(self, name: str) -> str:
        """The address of a file of the outbox: under `base_url` when it is set (so a feed
        reader, which fetches the feed alone, can follow it), else relative."""
        return f"{self.base_url}{name}"


def refresh_archive(config: Config, records: Sequence[DigestRecord]) -> tuple[Path, ...]:
    """Rewrite outbox/index.html and outbox/feed.xml; DigestError when they cannot be written
    (the digest itself is written and recorded by then)."""
    outbox = config.paths.outbox
    try:
        archive = make_archive(
            outbox, records, config.digest.title,
            base_url=config.digest.base_url, unfinished=publish.unfinished(config),
            copies=config.paths.state.parent / FEED_COPIES,
        )  # fmt: skip
        pages = render_archive(archive, config.paths.templates)
        for name, text in pages.items():
            write_atomic(outbox / name, text)
    except OSError as error:
        raise DigestError(f"could not update the archive page and feed: {error}") from None
    except DigestError as error:
        raise DigestError(f"could not update the archive page and feed: {error}") from error
    return tuple(outbox / name for name in pages)


def make_archive(
    outbox: Path,
    records: Sequence[DigestRecord],
    title: str,
    *,
    base_url: str = "",
    unfinished: str | None = None,
    copies: Path | None = None,
) -> Archive:
    """Every digest in `outbox`, newest first (but `unfinished`, unless it was recorded).

    The feed's briefs are read from the digests' JSON, or from the shorter copies in `copies`
    (`feed_part`), which are kept there for the digests with briefs in the feed.
    """
    found = issues(outbox, records, title, unfinished)
    updated = found[0].generated_at if found else datetime.now(UTC)
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"digest-feed:{outbox.resolve()}").urn
    feed = tuple(with_briefs(issue, copies) for issue in found[:FEED_BRIEFS])
    feed += tuple(found[FEED_BRIEFS:FEED_ENTRIES])
    if copies is not None:
        _prune(copies, keep={f"{issue.name}.json" for issue in found[:FEED_BRIEFS]})
    return Archive(_clean(title), feed_id, updated, tuple(found), feed, base_url)


def with_briefs(issue: Issue, copies: Path | None = None) -> Issue:
    """The issue with its briefs, read from its JSON (or its copy in `copies`); as it was when
    it has none."""
    json_file = issue.file("json")
    if json_file is None:
        return issue
    data = _read_json(json_file) if copies is None else feed_part(json_file, copies)
    if data is None:
        return issue
    try:  # the stories beyond FEED_STORIES are not made into briefs: only their ids are used
        story_ids = tuple(data.get("story_ids") or (story["id"] for story in data["stories"]))
        briefs = from_json({**data, "stories": data["stories"][:FEED_STORIES]}).briefs
    except (KeyError, TypeError, ValueError) as error:
        log.warning(
            "%s: not a digest's JSON (%s); its feed entry lists headlines",
            json_file,
            error,
        )
        return issue
    return replace(
        issue,
        briefs=briefs,  # a backlog's digest of thousands stays a link away
        story_ids=story_ids,
    )


def feed_part(json_file: Path, copies: Path) -> dict | None:
    """What a feed entry shows of a digest's JSON: its first FEED_STORIES stories and every
    story's id (`story_ids`). Kept in `copies` under the file's name and read from there while
    the copy is newer than the JSON: a year's digests of hundreds of stories are not parsed
    whole at every build. None when the JSON cannot be read."""
    copy = copies / json_file.name
    try:
        if copy.stat().st_mtime_ns > json_file.stat().st_mtime_ns:
            data = json.loads(copy.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("story_ids"), list):
                return data
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        pass  # no copy, or a damaged one: made again from the JSON
    data = _read_json(json_file)
    if data is None or not isinstance(data.get("stories"), list):
        return data  # `with_briefs` says what is wrong with it
    stories = data["stories"]
    ids = [story.get("id") for story in stories if isinstance(story, dict)]
    part = {**data, "stories": stories[:FEED_STORIES], "story_ids": ids}
    try:
        copies.mkdir(parents=True, exist_ok=True)
        write_atomic(copy, json.dumps(part, ensure_ascii=False))
    except OSError as error:  # a copy only saves time
        log.debug("%s: no copy for the feed (%s)", copy, error)
    return part


def _prune(copies: Path, keep: set[str]) -> None:
    """Remove the copies of digests no longer among those with briefs in the feed."""
    try:
        for path in copies.glob("*.json"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
    except OSError as error:
        log.debug("%s: copies left (%s)", copies, error)


def render_archive(archive: Archive, templates: Path) -> dict[str, str]:
    """{file name: text} of the index page and the feed."""
    env = environment(templates, escape_all=True)  # both are markup: every value is escaped
    env.filters["xml"] = _clean  # article text may hold characters XML cannot
    pages = {}
    for name, template_name in PAGES.items():
        try:
            pages[name] = env.get_template(template_name).render(archive=archive)
        except jinja2.TemplateError as error:  # a missing or broken (user) template
            raise DigestError(f"template {template_name} in {templates}: {error}") from None
        except Exception as error:  # raised by the template's own code, such as 1 // 0
            raise template_failure(template_name, error) from error
    return pages


def issues(
    outbox: Path, records: Sequence[DigestRecord], title: str, unfinished: str | None = None
) -> list[Issue]:
    """The digests whose files are in `outbox`, newest first; `unfinished`, the digest a build
    is publishing (or stopped publishing), is left out until it is recorded."""
    listed = _digest_files(outbox)
    stems = {path.stem for path in listed if is_digest_name(path.stem)}
    by_name = {record.name: record for record in records}
    if unfinished in stems and unfinished not in by_name:
        stems.discard(unfinished)
        log.info("%s is left out: %s", unfinished, _NOT_PUBLISHED)
    names = {path.name for path in listed}
    found = [load_issue(outbox, stem, by_name.get(stem), title, names) for stem in stems]
    published = _published_at(records)
    seq = {record.name: record.seq for record in records}
    return sorted(
        found,
        key=lambda i: (
            published.get(i.name, i.generated_at),
            seq.get(i.name, 0),
            _number(i.name),
            i.name,
        ),
        reverse=True,
    )


def _published_at(records: Sequence[DigestRecord]) -> dict[str, datetime]:
    """When each recorded digest counts as published, for ordering: its time, but never after
    that of a digest recorded later. A digest dated ahead by a clock that ran fast (and was then
    set right) so stays behind the digests that followed it, instead of staying first for ever."""
    times: dict[str, datetime] = {}
    bound: datetime | None = None
    for record in sorted(records, key=lambda r: r.seq, reverse=True):
        when = _aware(record.generated_at)
        bound = when if bound is None else min(when, bound)
        times[record.name] = bound
    return times


def load_issue(
    folder: Path,
    stem: str,
    record: DigestRecord | None,
    title: str,
    listed: Collection[str] | None = None,
) -> Issue:
    """The digest `stem` in `folder`, described by its record in the state (without reading
    it), else by its JSON, else by an older record, else by its name. `listed`: the names of
    the folder's files, when they were listed already."""
    files = digest_files(folder, stem, listed)
    if not files:
        raise DigestError(f"no digest {stem!r} in {folder}")
    if record is not None and record.title is not None:  # all it needs is in the record
        headlines = tuple(_clean(headline) for headline in record.headlines)
        when = _aware(record.generated_at)
        return Issue(
            stem, _clean(record.title), when, record.stories, headlines, files, record.story_ids
        )
    data = _read_json(files[-1]) if files[-1].suffix == ".json" else None
    if data is not None:
        try:
            digest = from_json(data)
            headlines = tuple(_clean(brief.headline) for brief in digest.briefs)
            when = _aware(digest.generated_at)
            ids = tuple(brief.story_id for brief in digest.briefs)
            return Issue(stem, _clean(digest.title), when, len(headlines), headlines, files, ids)
        except (KeyError, TypeError, ValueError) as error:
            log.warning("%s: not a digest's JSON (%s); described by its name", files[-1], error)
    if record is not None:
        return Issue(stem, _clean(title), record.generated_at, record.stories, (), files)
    when = _date_of(stem) or datetime.fromtimestamp(0, UTC)  # a file of another name: unknown
    return Issue(stem, _clean(title), when, None, (), files)


def find_issue(config: Config, name: str | Path | None = None) -> Issue:
    """The digest called `name` (digest-2026-11-21, or a path to one of its files); the latest
    when `name` is None or "latest"."""
    outbox, title = config.paths.outbox, config.digest.title
    records = _records(config)
    unfinished = publish.unfinished(config)
    path = Path(name) if name is not None else None
    if path is not None and path.suffix in {f".{fmt}" for fmt in PERMALINK_FORMATS}:
        path = path.with_suffix("")  # a file of the digest names the digest
    if path is not None and path.name != LATEST:
        record = {r.name: r for r in records}.get(path.name)
        in_outbox = len(path.parts) == 1 or path.parent.resolve() == outbox.resolve()
        if path.name == unfinished and record is None and in_outbox:
            raise DigestError(f"{path.name} is not published: {_NOT_PUBLISHED}")
        if len(path.parts) > 1:
            return load_issue(path.parent, path.name, record, title)
        if is_digest_name(path.name) and digest_files(outbox, path.name):
            return load_issue(outbox, path.name, record, title)  # without reading the others
    found = issues(outbox, records, title, unfinished)
    if path is None or path.name == LATEST:
        if not found:
            raise DigestError(f"no digest in {outbox} yet; run `digest build` first")
        return found[0]
    match = next((issue for issue in found if issue.name == path.name), None)
    if match is None:
        latest = f"; the latest is {found[0].name}" if found else ""
        raise DigestError(f"no digest named {path.name!r} in {outbox}{latest}")
    return match


_NOT_PUBLISHED = (
    "a build is publishing it, or stopped before recording it (the next build or `digest"
    " archive` then removes it, and its stories go into the next digest)"
)


def _records(config: Config) -> list[DigestRecord]:
    store = Store.open_existing(config.paths.state)
    if store is None:
        return []
    with store:
        return store.digests(headlines=RECORD_HEADLINES)


def _digest_files(outbox: Path) -> list[Path]:
    if not outbox.is_dir():
        return []
    with os.scandir(outbox) as entries:  # the listing says which are files: no stat each
        return [
            Path(entry.path)
            for entry in entries
            if entry.name.rpartition(".")[2] in PERMALINK_FORMATS and entry.is_file()
        ]


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("%s: cannot be read (%s); described by its name", path, error)
        return None
    return data if isinstance(data, dict) else None


def is_digest_name(stem: str) -> bool:
    """True for `digest-YYYY-MM-DD` or `digest-YYYY-MM-DD-N` of a real date: a file named
    `digest-2026-02-30.md` only looks like one of ours."""
    return _date_of(stem) is not None


def _date_of(stem: str) -> datetime | None:
    match = DIGEST_NAME.fullmatch(stem)
    try:
        return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) if match else None
    except ValueError:
        return None


def _number(stem: str) -> int:
    match = DIGEST_NAME.fullmatch(stem)
    return int(match.group(2) or 1) if match else 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shortened(text: str, most: int) -> str:
    """`text`, cut at a word to at most `most` characters (with "…") when longer."""
    if len(text) <= most:
        return text
    cut = text[: most - 1].rsplit(" ", 1)[0] if " " in text[: most - 1] else text[: most - 1]
    return cut.rstrip(" ,;:·-") + "…"


def _story_link(page: Path | None, story_id: str) -> str | None:
    return f"{page.name}#story-{story_id}" if page is not None and story_id else None


def _clean(text: object) -> str:
    """Text without the control characters XML cannot hold, on one line."""
    return " ".join(_NOT_XML.sub("", str(text)).split())
