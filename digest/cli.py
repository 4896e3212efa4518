"""The `digest` command: each subcommand loads the config, calls one function, prints."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from digest.config import Config, find_config, load_config
from digest.errors import DigestError
from digest.summarizers.names import METHODS

if TYPE_CHECKING:  # the stages are imported by the commands that use them: `status` starts fast
    from digest.models import Brief
    from digest.pipeline import Build
    from digest.queries import Status, Timeline
    from digest.store import StoryInfo

log = logging.getLogger("digest")


@dataclass
class Options:
    """The options every command takes, before its name or after it: `digest --config x build`
    and `digest build --config x` are the same."""

    config_path: Path | None = None
    debug: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose


def _options() -> Options:
    return click.get_current_context().find_root().ensure_object(Options)


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> None:
    """Keep a global option given before or after the command's name (the last one wins)."""
    options = ctx.find_root().ensure_object(Options)
    if param.name == "config_path" and value is not None:
        options.config_path = value
    elif param.name == "debug" and value:
        options.debug = True
    elif param.name == "verbose" and value:
        options.verbosity = 1
    elif param.name == "quiet" and value:
        options.verbosity = -1
    _apply_logging(options)


def global_options(function):
    """--config, --debug, -v and -q, accepted by the group and by every command."""
    for option in reversed(
        (
            click.option(
                "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                expose_value=False, callback=_remember,
                help=(
                    "Config file (default: $DIGEST_CONFIG, else ./config.toml, else"
                    " $XDG_CONFIG_HOME/digest/config.toml; all defaults when none exists)."
                ),
            ),
            click.option("--debug", is_flag=True, expose_value=False, callback=_remember,
                         help="Show tracebacks and debug logging."),
            click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_remember,
                         help="Show digest's debug logging."),
            click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_remember,
                         help="Show warnings and errors only."),
        )
    ):  # fmt: skip
        function = option(function)
    return function


# The libraries that read pages log what they make of each ("ERROR empty HTML tree") without
# naming the file, even when digest reads it well or says itself why it cannot.
_READING_LIBRARIES = ("trafilatura", "htmldate", "courlan", "justext")


def _apply_logging(options: Options) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )  # fmt: skip
    if options.debug:
        level = logging.DEBUG
    else:
        level = {-1: logging.WARNING, 0: logging.INFO, 1: logging.INFO}[options.verbosity]
    logging.getLogger().setLevel(level)
    log.setLevel(logging.DEBUG if options.verbosity > 0 or options.debug else logging.NOTSET)
    # APScheduler's job bookkeeping ("Adding job tentatively", ...) is not news to a user.
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if options.debug else logging.WARNING)
    for name in _READING_LIBRARIES:  # their lines name no file; digest says what failed
        library = logging.getLogger(name)
        library.propagate = options.debug
        if not any(isinstance(h, logging.NullHandler) for h in library.handlers):
            library.addHandler(logging.NullHandler())  # not logging's last resort on stderr


def _config(**overrides: object) -> Config:
    """The config the command runs with, found as `find_config` says (and logged)."""
    path = find_config(_options().config_path)
    if path is None:
        log.info(
            "no config file found (--config, $DIGEST_CONFIG, ./config.toml,"
            " ~/.config/digest/config.toml): using the defaults, in %s", Path.cwd(),
        )  # fmt: skip
    else:
        log.debug("config: %s", path)
    return load_config(path, **overrides)


class DigestGroup(click.Group):
    """Turns DigestError into a clean message and exit status 1; other errors are bugs."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (DigestError, sqlite3.DatabaseError) as error:
            if isinstance(error, sqlite3.DatabaseError):  # a damaged state file, or a bug
                from digest.store import state_fault

                fault = state_fault(error, _config().paths.state)
                if fault is None:
                    raise
                error = fault
            if ctx.ensure_object(Options).debug:
                raise
            click.echo(f"digest: error: {error}", err=True)
            sys.exit(1)


@click.group(
    cls=DigestGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)
@global_options
@click.version_option(package_name="digest", prog_name="digest", message="%(prog)s %(version)s")
def main() -> None:
    """digest: group news articles into stories and write extractive briefs with sources.

    Global options (--config, --debug, -v, -q) go before or after the command.
    """
    _apply_logging(_options())


@main.command(short_help="Start a project: config.toml, inbox/ and outbox/.")
@global_options
@click.argument("folder", metavar="[DIR]", default=".", type=click.Path(path_type=Path))
@click.option("--templates", is_flag=True, help="Also copy the built-in templates, to edit.")
def init(folder: Path, templates: bool) -> None:
    """Start a project in DIR (default: here): a commented config.toml, inbox/ and outbox/.

    Nothing is overwritten.
    """
    from digest.scaffold import init_project

    project = init_project(folder, templates=templates)
    click.echo(f"Started a digest project in {project.folder}:")
    for path in project.written:
        click.echo(f"  {path}{'/' if path.is_dir() else ''}")
    click.echo("Next: drop article files (.txt, .md, .html, .json, .eml, feeds) into inbox/, then")
    if folder != Path("."):
        click.echo(f"  cd {folder}")
    click.echo("  digest build      # one digest now, into outbox/")
    click.echo("  digest run        # a digest every morning (see [schedule] in config.toml)")


@main.command(short_help="Read the inbox and write today's digest.")
@global_options
@click.option("--all", "all_stories", is_flag=True, help="Include every stored story.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; change nothing.")
@click.option("--send", is_flag=True, help="Mail the digest written to the [email] recipients.")
def build(all_stories: bool, dry_run: bool, send: bool) -> None:
    """Read the inbox and write today's digest into the outbox."""
    from digest import mail, pipeline

    if send and dry_run:
        raise click.UsageError("--send mails a written digest; a --dry-run writes none")
    config = _config()
    if send:
        mail.require_email(config.email)
    result = pipeline.build(config, all_stories=all_stories, dry_run=dry_run)
    digest = result.digest
    if not digest.briefs:
        click.echo(nothing_written(config, result, all_stories), nl=False)
        return
    if dry_run:
        click.echo(f"Dry run: would write a digest of {len(digest.briefs)} story(ies):")
        for brief in digest.briefs:
            click.echo(f"  - {brief.headline} ({len(brief.articles)} article(s))")
        click.echo(f"into {config.paths.outbox} as {', '.join(config.digest.formats)}.")
        return
    click.echo(f"Wrote a digest of {len(digest.briefs)} story(ies):")
    for path in result.written:
        click.echo(f"  {path}")
    problems = []  # a refused recipient, unwritten `latest.*` copies: exit status 1
    if send:
        mailed = mail.send_digest(config, result.written[0].stem)
        click.echo(mailed.summary())
        problems.append(mailed.refusal())
    if result.archive_error:
        problems.append(f"{result.archive_error}; `digest archive` tries again")
    if any(problems):
        raise DigestError("; ".join(p for p in problems if p))


def nothing_written(config: Config, result: Build, all_stories: bool) -> str:
    """Why a build wrote no digest, in the words of the situation."""
    from digest import inbox, queries
    from digest.pipeline import unread_files

    update = result.update
    unread = "".join(f"{line}\n" for line in unread_files(config, result))
    state = queries.status(config)
    articles = state.articles + (len(update.stored) if result.dry_run else 0)
    first = state.last_digest is None
    if not articles and first:
        if update.rejected:
            return f"Nothing written: no article could be read.\n{unread}"
        if unread:
            return f"Nothing written yet.\n{unread}"
        if not config.paths.inbox.exists():
            return (
                f"The inbox {config.paths.inbox} does not exist: make that folder and drop"
                " article files into it, then build again.\n"
            )
        if folders := inbox.unread_subfolders(config.paths.inbox):
            return (
                f"The inbox {config.paths.inbox} holds no files, only subfolders, and"
                f" {inbox.subfolders_note(folders)}. Move their files into the inbox itself,"
                " then build again.\n"
            )
        return (
            f"The inbox {config.paths.inbox} is empty: drop article files (.txt, .md, .html,"
            " .json, .eml, feeds) into it, then build again.\n"
        )
    if first:
        why = (
            f"No story of the {articles} stored article(s) has a sentence that can be quoted in"
            " a brief (see the warnings above); nothing written.\n"
        )
    elif update.stored and not all_stories:
        why = "The new articles add nothing to stories the last digest showed; nothing written.\n"
    elif all_stories:
        why = "No stored story has anything the digests have not shown; nothing written.\n"
    else:
        why = (
            "No stories with new articles since the last digest; nothing written.\n"
            "(Use --all to include every stored story.)\n"
        )
    return why + unread


@main.command(short_help="Print a brief of each story of the given files.")
@global_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--words", type=click.IntRange(min=1), help="Length of the brief in words.")
@click.option("--sentences", type=click.IntRange(min=1), help="Length in sentences.")
@click.option(
    "--method",
    type=click.Choice(sorted(METHODS)),
    help="Summarizer (default: brief.method of the config, digest).",
)
@click.option(
    "--after",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Files or folders the reader has read already: brief what PATHS add (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "text"]),
    default="md",
    show_default=True,
    help="Output: a Markdown or HTML page, JSON story objects, or the sentences alone.",
)
def brief(
    paths: tuple[Path, ...],
    words: int | None,
    sentences: int | None,
    method: str | None,
    after: tuple[Path, ...],
    fmt: str,
) -> None:
    """Print a brief of each story of PATHS (files, or folders of files).

    The files are grouped into stories as a build groups them. With --after, each brief tells
    what PATHS add for a reader who has read the --after files. Exit status 1 when there is
    nothing to print.
    """
    from digest import oneshot

    if words and sentences:
        raise click.UsageError("give --words or --sentences, not both")
    config = _config(**{"brief.method": method})
    try:
        briefs = oneshot.brief_stories(
            list(paths), config, after=list(after), words=words, sentences=sentences
        )
    except oneshot.NothingToBrief as nothing:
        click.echo(f"{nothing}; nothing printed.", err=True)
        sys.exit(1)
    click.echo(format_briefs(briefs, fmt, config), nl=False)


def format_briefs(briefs: Sequence[Brief], fmt: str, config: Config) -> str:
    """Briefs as text (a blank line between stories), JSON (a story object; a list of them
    for several stories), or a Markdown or HTML page of one story each."""
    from digest.models import Digest
    from digest.render import render
    from digest.schema import json_text, story_json

    if fmt == "text":
        return "\n".join("".join(f"{s.text}\n" for s in brief.sentences) for brief in briefs)
    if fmt == "json":
        stories = [story_json(brief) for brief in briefs]
        return json_text(stories[0] if len(stories) == 1 else stories)
    title = "Brief" if len(briefs) == 1 else "Briefs"
    digest = Digest(title, datetime.now(UTC), tuple(briefs))
    return render(digest, config.paths.templates, [fmt])[fmt]


@main.command(short_help="Stored articles and stories, waiting files, last digest.")
@global_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def status(as_json: bool) -> None:
    """Show stored articles and stories, waiting and rejected files, and the last digest."""
    from digest import queries
    from digest.schema import json_text

    config = _config()
    state = queries.status(config)
    if as_json:
        click.echo(json_text(status_json(state)), nl=False)
        return
    click.echo(f"articles stored:   {state.articles}")
    click.echo(f"stories:           {state.stories}")
    click.echo(f"waiting in inbox:  {len(state.pending)}")
    click.echo(f"rejected:          {len(state.rejected)} (see {config.paths.inbox / 'rejected'})")
    when = (
        f" at {state.last_digest_at.isoformat(timespec='seconds')}" if state.last_digest_at else ""
    )
    click.echo(f"last digest:       {state.last_digest or 'none yet'}{when}")
    for digest in state.unmailed:
        click.echo(f"not mailed:        {digest.name} ({digest.reason})")
    if state.unmailed:
        click.echo("  (`digest send NAME` mails one now; the next `digest run` mails them all)")


@main.command(short_help="Watch the inbox and publish digests on the schedule.")
@global_options
def run() -> None:
    """Watch the inbox and publish digests on the configured schedule (until Ctrl-C)."""
    import signal
    import threading

    from digest.daemon import Daemon

    config = _config()
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s; finishing the current step", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    Daemon(config).run(stop)


@main.command(short_help="List stored stories, or one story's timeline.")
@global_options
@click.argument("story_id", metavar="[STORY_ID]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stories(story_id: str | None, as_json: bool) -> None:
    """List stored stories with their article counts, sources and date range.

    With STORY_ID (a unique beginning is enough), list each digest that covered that story: its
    date, the headline and the sentences shown.
    """
    from digest import queries
    from digest.schema import json_text

    config = _config()
    if story_id is not None:
        timeline = queries.story_timeline(config, story_id)
        if as_json:
            click.echo(json_text(timeline_json(timeline)), nl=False)
        else:
            click.echo(describe_timeline(timeline), nl=False)
        return
    infos = queries.story_infos(config)
    if as_json:
        click.echo(json_text(stories_json(infos)), nl=False)
        return
    if not infos:
        click.echo("No stories stored yet.")
    for s in infos:
        dates = f"{s.first:%Y-%m-%d}"
        if s.last.date() != s.first.date():
            dates += f"..{s.last:%Y-%m-%d}"
        click.echo(f"{s.id}  {s.articles:>3} article(s)  {dates}  {s.title or '(untitled)'}")
        if s.sources:
            click.echo(f"{'':14}sources: {', '.join(s.sources)}")


def describe_timeline(timeline: Timeline) -> str:
    """What `digest stories STORY_ID` prints."""
    story = timeline.story
    lines = [f"{story.id}  {story.articles} article(s)  {story.title or '(untitled)'}"]
    if not timeline.history.coverages:
        lines.append("No digest has shown this story yet.")
    for coverage in timeline.history.coverages:
        lines.append(
            f"{coverage.generated_at:%Y-%m-%d %H:%M}  {coverage.digest}  {coverage.headline}"
        )
        lines += [f"    - {sentence.text}" for sentence in coverage.sentences]
    return "\n".join(lines) + "\n"


def timeline_json(timeline: Timeline) -> dict:
    """What `digest stories STORY_ID --json` prints."""
    return {
        **stories_json([timeline.story])[0],
        "digests": [
            {
                "name": c.digest,
                "generated_at": c.generated_at.isoformat(timespec="seconds"),
                "headline": c.headline,
                "sentences": [{"text": s.text, "sources": list(s.sources)} for s in c.sentences],
            }
            for c in timeline.history.coverages
        ],
    }


@main.command(short_help="Mail a digest (default: the latest).")
@global_options
@click.argument("name", metavar="[DIGEST]", required=False)
def send(name: str | None) -> None:
    """Mail a digest (default: the latest) to the [email] recipients.

    DIGEST is a name such as digest-2026-11-21, or the path of one of its files.
    """
    from digest import mail

    mailed = mail.send_digest(_config(), name)
    click.echo(mailed.summary())
    refusal = mailed.refusal()
    if refusal is not None:
        raise mail.SendError(refusal)


@main.command(short_help="Write the next digest into a temporary folder.")
@global_options
@click.option("--all", "all_stories", is_flag=True, help="Consider every stored story.")
@click.option("--open", "open_page", is_flag=True, help="Open the HTML preview in a browser.")
def preview(all_stories: bool, open_page: bool) -> None:
    """Write the next digest into a temporary folder; store, move and send nothing.

    The folder is the same each time for a project, emptied before each preview.
    """
    import webbrowser

    from digest import preview as previews

    config = _config()
    result = previews.preview(config, all_stories=all_stories)
    click.echo(previews.describe(result), nl=False)
    page = next((path for path in result.files if path.suffix == ".html"), None)
    if open_page and page is not None and not webbrowser.open(page.as_uri()):
        log.warning("no browser to open %s", page)


@main.command(short_help="Rewrite the outbox's index page and Atom feed.")
@global_options
def archive() -> None:
    """Rewrite the outbox's index page and Atom feed from the digests in it."""
    from digest import pipeline

    config = _config()
    for path in pipeline.rebuild_archive(config):
        click.echo(f"Wrote {path}")


@main.command(short_help="Why each sentence and article is in a story's brief.")
@global_options
@click.argument("story_id")
def explain(story_id: str) -> None:
    """Show why each sentence of a story's brief was chosen, and why each article is in it."""
    from digest import explain as explanations

    config = _config()
    click.echo(explanations.describe(explanations.explain_story(config, story_id)), nl=False)


# JSON printed by the commands (the digest's own JSON is digest/schema.py) ---------------------


def status_json(state: Status) -> dict:
    """What `digest status --json` prints."""
    last_at = state.last_digest_at.isoformat(timespec="seconds") if state.last_digest_at else None
    return {
        "articles": state.articles,
        "stories": state.stories,
        "pending": len(state.pending),
        "pending_files": list(state.pending),
        "rejected": len(state.rejected),
        "rejected_files": list(state.rejected),
        "last_digest": {"name": state.last_digest, "generated_at": last_at}
        if state.last_digest
        else None,
        "unmailed": [{"name": u.name, "reason": u.reason} for u in state.unmailed],
    }


def stories_json(infos: Sequence[StoryInfo]) -> list[dict]:
    """What `digest stories --json` prints."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "articles": s.articles,
            "sources": list(s.sources),
            "first": s.first.isoformat(timespec="seconds"),
            "last": s.last.isoformat(timespec="seconds"),
        }
        for s in infos
    ]


# Subscriptions ---------------------------------------------------------------------------------


@main.command(short_help="Fetch every subscribed feed once into the inbox.")
@global_options
def fetch() -> None:
    """Fetch every subscribed feed once; each new entry goes into the inbox."""
    from digest import subscriptions

    results = subscriptions.fetch(_config())
    click.echo(subscriptions.describe_fetch(results), nl=False)
    if failed := subscriptions.failures(results):
        raise DigestError(failed)


@main.group(short_help="List and import subscriptions.")
@global_options
def feeds() -> None:
    """List and import subscriptions (the [feeds] section of the config)."""


@feeds.command("list", short_help="Each subscribed feed with its last fetch and status.")
@global_options
def feeds_list() -> None:
    """Each subscribed feed with its last fetch, status, entries taken and errors."""
    from digest import subscriptions

    click.echo(subscriptions.describe_feeds(subscriptions.feed_records(_config())), nl=False)


@feeds.command("import", short_help="Add the feeds of an OPML file.")
@global_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def feeds_import(file: Path) -> None:
    """Add the feeds of an OPML FILE to the [feeds] opml list."""
    from digest import opml, subscriptions

    config = _config()
    result = opml.import_opml(file, config.feeds.opml, subscriptions.subscriptions(config.feeds))
    click.echo(f"Added {len(result.added)} feed(s) to {result.into}"
               f" ({result.already} already subscribed).")  # fmt: skip
    for url in result.refused:
        log.warning("%s: not an http or https address; skipped", url)
