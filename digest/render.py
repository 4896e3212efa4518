"""Rendering a Digest into HTML, Markdown and JSON, and writing it atomically into outbox/."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import jinja2
import jinja2.bccache
from markupsafe import Markup

from digest import __version__
from digest.errors import DigestError
from digest.files import write_atomic
from digest.models import FORMATS, Article, Brief, BriefSentence, Digest
from digest.outlets import credit, outlets_of, safe_url
from digest.permalinks import digest_files
from digest.schema import json_text, to_json

TEMPLATES = {"html": "digest.html.j2", "md": "digest.md.j2", "text": "digest.txt.j2"}
LATEST = "latest"


@dataclass(frozen=True, slots=True)
class Links:
    """Where a digest's links to other digests point (templates receive it as `links`).

    A link goes to a file of the other digest that is in `outbox` (`prefer`'s, else its
    permalink: `permalinks.digest_files`), whatever formats are configured now; none when its
    files are gone, or when the outbox is not known. In the outbox a link is relative, or under
    `base_url` when the outbox is served there; in a mail a relative link leads nowhere, so
    without `base_url` there is none; in a digest written `elsewhere` (a preview) it would lead
    nowhere too, so without `base_url` it is the file's own file:// URL.
    """

    base_url: str = ""  # ends with "/" when set
    formats: tuple[str, ...] = FORMATS  # the formats digests are written in
    mail: bool = False
    name: str = ""  # this digest's own name, when known
    outbox: Path | None = None  # where the digests are written
    elsewhere: bool = False  # this digest is written outside `outbox`
    # The files of the digests a render links to, by name, looked up once (`resolved`): a
    # digest of hundreds of updated stories asks for the same few in every format.
    found: Mapping[str, tuple[Path, ...]] = field(default_factory=dict, compare=False, repr=False)

    def resolved(self, digest: Digest) -> Links:
        """These links, with the files of every digest that `digest` links to (the previous
        digest of each updated story, and its own) looked up once."""
        outbox = self._linked_outbox
        if outbox is None:
            return self
        names = [brief.previous.digest for brief in digest.briefs if brief.previous]
        names += [self.name] if self.name else []
        found = {name: digest_files(outbox, name) for name in dict.fromkeys(names)}
        return replace(self, found=MappingProxyType(found))

    def digest(self, name: str, prefer: str = "html") -> str | None:
        """The address of digest `name`: its file of format `prefer` when it was written, else
        its permalink; None when none of its files is in the outbox."""
        outbox = self._linked_outbox
        if outbox is None:
            return None
        files = self.found[name] if name in self.found else digest_files(outbox, name)
        chosen = next((p for p in files if p.suffix == f".{prefer}"), files[0] if files else None)
        if chosen is None:
            return None
        if self.elsewhere and not self.base_url:
            return chosen.absolute().as_uri()
        return f"{self.base_url}{chosen.name}"

    @property
    def _linked_outbox(self) -> Path | None:
        """The outbox links lead into; None when there is no link to make (no outbox known, or
        a mail without `base_url`)."""
        return None if self.mail and not self.base_url else self.outbox

    def web(self, prefer: str = "html") -> str | None:
        """This digest's own address on the web, when `base_url` and its name are known: as
        `digest` finds it, or (not written yet: it is being rendered to be written) in a
        configured format, `prefer` when it is one."""
        if not (self.base_url and self.name):
            return None
        written = [fmt for fmt in (prefer, *FORMATS) if fmt in self.formats]
        own = f"{self.base_url}{self.name}.{written[0] if written else prefer}"
        return self.digest(self.name, prefer) or own


def citations(brief: Brief, sentence: BriefSentence) -> list[tuple[int, Article]]:
    """(number, article) of each source of a sentence, numbered as in the story's source list."""
    number = {article.id: index for index, article in enumerate(brief.articles, start=1)}
    return [(number[s], brief.articles[number[s] - 1]) for s in sentence.sources if s in number]


def cited_sources(brief: Brief) -> list[tuple[int, Article]]:
    """(number, article) of every article a sentence of the brief cites, in number order."""
    cited = {c for sentence in brief.sentences for c in citations(brief, sentence)}
    return sorted(cited, key=lambda found: found[0])


def outlets(brief: Brief) -> list[str]:
    """The distinct named outlets of a story, in order of reporting (see `outlets.outlets_of`)."""
    return outlets_of(brief.articles)


def reported_by(brief: Brief) -> str:
    """Who reported a story: "Reported by 2 outlets: A, B · 3 articles", or "2 articles (source
    unknown)" when no article names its outlet; only known outlets are counted."""
    named, count = outlets(brief), len(brief.articles)
    articles = f"{count} {'article' if count == 1 else 'articles'}"
    if not named:
        return f"{articles} (source unknown)"
    shown = ", ".join(named[:6]) + (f" and {len(named) - 6} more" if len(named) > 6 else "")
    noun = "outlet" if len(named) == 1 else "outlets"
    return f"Reported by {len(named)} {noun}: {shown} · {articles}"


def story_language(brief: Brief) -> str:
    """The language of a story's brief: that of the article its first sentence is quoted from
    (a story told in several languages is briefed in one), else the language most of its
    articles are written in ("en" when none is known)."""
    by_id = {a.id: a for a in brief.articles}
    for sentence in brief.sentences[:1]:
        carriers = [by_id[i] for i in sentence.sources if i in by_id]
        said = " ".join(sentence.text.split())  # sentences are read from folded paragraphs
        quoted = [a for a in carriers if said in " ".join(a.text.split())] or carriers
        if quoted and quoted[0].language:
            return quoted[0].language
    found = [a.language for a in brief.articles if a.language]
    return max(dict.fromkeys(found), key=found.count) if found else "en"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~]|^[-+]|&(?=#?\w+;))")  # of one line
_MARKDOWN_SPECIAL_CHARS = re.compile(r"[\\`*_{}\[\]<>#|~+&-]")  # one of which each match holds
_MARKDOWN_NUMBERED = re.compile(r"^(\d+)\.(?=\s)")


def md_escape(text: str) -> str:
    """Text with Markdown syntax characters escaped, so article text stays plain text: on one
    line, no emphasis, strike-through, links, HTML or entities (`&amp;` stays those 5 letters)."""
    escaped = " ".join(str(text).split())
    if _MARKDOWN_SPECIAL_CHARS.search(escaped):  # most text holds none: no substitution to try
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    if escaped[:1].isdecimal():  # \d: a decimal digit
        escaped = _MARKDOWN_NUMBERED.sub(r"\1\\.", escaped)
    return escaped


def markdown_html(text: str) -> Markup:
    """Markdown rendered to HTML; raw HTML in it stays text, and links other than http(s) and
    mailto lose their target (no `javascript:`). (Python-Markdown is imported by the templates
    that use this filter: `digest archive` starts without it.)"""
    from digest.markdown_html import plain_markdown

    return Markup(plain_markdown(str(text)))


def builtin_templates() -> Path:
    """The templates digest ships: inside the installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "templates"  # a wheel maps the project's templates/ here
    return installed if installed.is_dir() else package.parent / "templates"


def environment(templates: Path, *, escape_all: bool = False) -> jinja2.Environment:
    """The jinja2 environment: autoescaping for HTML (for every template with `escape_all`),
    our filters; a template is looked for in `templates` (the project's own), then among the
    built-in ones."""
    folders = list(dict.fromkeys([str(templates), str(builtin_templates())]))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=escape_all
        or jinja2.select_autoescape(["html", "html.j2", "htm"], default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        # Compiled templates are kept in a private folder of the temporary directory (checked
        # by a template's source): each command would otherwise compile them again.
        bytecode_cache=_bytecode_cache("escaped" if escape_all else "html"),
    )
    env.filters.update(
        safe_url=safe_url,
        markdown=markdown_html,
        md_escape=md_escape,
        short_date=short_date,
        source_date=source_date,
        credit=credit,
    )
    env.globals.update(
        citations=citations, cited_sources=cited_sources, outlets=outlets,
        reported_by=reported_by, language=story_language,
    )  # fmt: skip
    return env


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's cache of compiled templates, in a private folder of the temporary directory;
    a folder that cannot be read or written (removed, full) means compiling again, never a
    failed render."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@functools.cache
def _bytecode_cache(mode: str) -> jinja2.BytecodeCache | None:
    """The cache of one kind of environment: compiled code depends on the escaping and on the
    versions of digest (its filters) and jinja2, so they name its files."""
    pattern = f"__digest_{__version__}_{jinja2.__version__}_{mode}_%s.cache"
    try:
        return _BytecodeCache(pattern=pattern)
    except (OSError, RuntimeError):  # no private temporary folder to be had: compile each time
        return None


@jinja2.pass_context
def short_date(context: jinja2.runtime.Context, moment: datetime) -> str:
    """A day as a digest names it in passing: "21 Nov", in the digest's time zone."""
    day = _digest_day(context, moment)
    return f"{day.day} {day:%b}"


@jinja2.pass_context
def source_date(context: jinja2.runtime.Context, moment: datetime) -> str:
    """A source's date as its digest lists it: "01 Nov 2026", in the digest's time zone."""
    return f"{_digest_day(context, moment):%d %b %Y}"


def _digest_day(context: jinja2.runtime.Context, moment: datetime) -> datetime:
    """`moment` in the time zone of the digest being rendered (`Digest.local`)."""
    digest = context.get("digest")
    return digest.local(moment) if isinstance(digest, Digest) else moment


def render(
    digest: Digest,
    templates: Path,
    formats: Sequence[str],
    intro: str = "",
    links: Links | None = None,
) -> dict:
    """{format: text} for each requested format (html, md, json, or text: a mail's plain-text
    part)."""
    env = environment(templates)
    links = links or Links()
    if any(fmt in TEMPLATES for fmt in formats):  # the JSON links to no file
        links = links.resolved(digest)
    rendered = {}
    for fmt in formats:
        if fmt == "json":
            rendered[fmt] = json_text(to_json(digest))
            continue
        try:
            template = env.get_template(TEMPLATES[fmt])
            rendered[fmt] = template.render(digest=digest, intro=intro, links=links)
        except jinja2.TemplateNotFound as error:
            raise DigestError(
                f"template {error.name} not found in {templates} nor among the built-in ones"
            ) from None
        except jinja2.TemplateError as error:
            where = f"{getattr(error, 'filename', None) or TEMPLATES[fmt]}"
            line = getattr(error, "lineno", None)
            raise DigestError(f"template {where}{f':{line}' if line else ''}: {error}") from None
        except Exception as error:  # raised by the template's own code, such as 1 // 0
            raise template_failure(TEMPLATES[fmt], error) from error
    return rendered


def template_failure(name: str, error: Exception) -> DigestError:
    """A DigestError naming the template, and its line, whose code raised `error`."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(name):
            line = trace.tb_lineno
        trace = trace.tb_next
    where = f"{name}:{line}" if line else name
    return DigestError(f"template {where} failed: {type(error).__name__}: {error}")


def digest_stem(outbox: Path, digest: Digest, recorded: Collection[str] = ()) -> str:
    """`digest-YYYY-MM-DD`, with `-2`, `-3`, ... so that no earlier digest (in any format) is
    overwritten, and no name the state has `recorded` is given again (its files may have been
    removed by hand, but its links, timeline and record go on naming it)."""
    base = f"digest-{digest.generated_at:%Y-%m-%d}"
    stem, number = base, 2
    while stem in recorded or any((outbox / f"{stem}.{fmt}").exists() for fmt in FORMATS):
        stem, number = f"{base}-{number}", number + 1
    return stem


def write(rendered: dict, outbox: Path, stem: str) -> list[Path]:
    """Write each format as `<stem>.<fmt>`, atomically; returns the paths. (Its `latest.*`
    copies are written by `publish.finish`, once the digest is recorded.)

    All or nothing: when one file cannot be written (a full disk, say), those already written
    are removed again and a DigestError says which file and why, so no half digest is left to
    be listed or mailed later.
    """
    own = [(outbox / f"{stem}.{fmt}", text) for fmt, text in rendered.items()]
    path = outbox
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        for path, text in own:
            write_atomic(path, text)
    except OSError as error:
        for done, _ in own:
            done.unlink(missing_ok=True)
        raise DigestError(f"cannot write {path}: {error.strerror or error}") from None
    return [path for path, _ in own]
