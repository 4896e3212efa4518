"""Cleaning article text: boilerplate lines, datelines, stray whitespace."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_BOILERPLATE = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment)
      | your\ email\ address\ will\ not\ be\ published
      | required\ fields\ are\ marked
      | the\ post\ .{1,300}\ appeared\ first\ on\b
      | (?:please\ )?(?:subscribe|sign\ up)\b.{0,80}
        \b(?:newsletter|updates|channel|today|free|here|now)
      | share\ (?:this|on)\b
      | (?:click|tap)\ here\b
      | follow\ us\ on\b
      | (?:all\ rights\ reserved|copyright\ ©|©\ ?\d{4})
      | advertisement$
      | (?:read|see)\ (?:more|also)\s*:
      | related(?:\ stories|\ articles)?\s*:
      | (?:tweet|email|print|facebook|twitter|linkedin|whatsapp)(?:\s*[|/·]\s*\w+)*$
      | \d+\ comments?$
      | view\ (?:this|it)\ (?:email|newsletter|message)\ (?:in|on)\ (?:your|a|the)\ browser
      | (?:having\ trouble\ (?:viewing|reading)\ this\ (?:email|newsletter))
      | you\ (?:are\ receiving|received)\ this\ (?:email|newsletter|message)\ because\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"your email address will not be published|appeared first on\b", re.IGNORECASE
)
# "WASHINGTON (AP) -- ", "PORT ELLIS, Nov. 3 (Valley Wire) - ", "LONDON — "
_CAPITAL = "A-ZÀ-ÖØ-Þ"  # capital letters, accented ones too (SÃO PAULO, MÜNCHEN, ZÜRICH)
DATELINE = re.compile(
    rf"""^(?![{_CAPITAL}]{{2,3}}[ ]?(?:--|—|–|-|:|_)[ ])       # not "OK:", "UN -", "USA:"
        (?:[{_CAPITAL}]{{2}}[{_CAPITAL}.'’/-]*                  # PLACE: capitals, not "I'M";
           (?:[ ][{_CAPITAL}][{_CAPITAL}.'’/-]*){{0,3}})        #   "LOS ANGELES/NEW YORK"
        (?:,[ ][{_CAPITAL}][\w.]*(?:[ ][{_CAPITAL}\d][\w.]*){{0,2}})?  # , State or date
        (?:,[ ]\d{{1,2}}\.?[ ]\w+\.?)?                         # , 3 mars / , 3. März
        [ ]?(?:\([^()]{{1,40}}\)[ ]?)?                          # (Agency)
        (?:--|—|–|-|:|_)[ ]+""",
    re.VERBOSE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# Control and format characters (but not tab and newline), soft hyphens, zero-width marks, stray
# BOMs.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    r"\ufff9-\ufffb]"
)


def normalize_text(text: str) -> str:
    """Unicode NFC, unified line ends and spaces, no control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def is_boilerplate(line: str) -> bool:
    """True for comment prompts, share and subscribe widgets and similar non-news lines."""
    line = line.strip()
    return bool(_BOILERPLATE.match(line) or _BOILERPLATE_ANYWHERE.search(line))


def strip_dateline(paragraph: str) -> str:
    """The paragraph without a leading wire dateline such as "WASHINGTON (AP) --"."""
    match = DATELINE.match(paragraph)
    if match and len(paragraph) - match.end() > 20:
        return paragraph[match.end() :]
    return paragraph


def clean_body(text: str) -> str:
    """Article body as paragraphs separated by blank lines, with boilerplate removed."""
    lines = normalize_text(text).split("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if not is_boilerplate(line):
            current.append(line)
    if paragraphs:
        paragraphs[0] = strip_dateline(paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p.strip())


def paragraph_key(paragraph: str) -> str:
    """A short hash of a paragraph, used to spot lines a source repeats in every article."""
    folded = re.sub(r"\W+", " ", paragraph.casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


def content_id(title: str | None, text: str) -> str:
    """A stable article id derived from its title and cleaned text."""
    folded = re.sub(r"\s+", " ", f"{title or ''}\n{text}".casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()
