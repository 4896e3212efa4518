"""Front matter of Markdown articles: YAML-style between a `---` line and a `---` (or `...`)
line, or TOML between `+++` lines.

YAML is read as the subset articles use, without a YAML library (none comes with digest's
dependencies, and front matter needs no more): top-level `key: value` lines (a key of a few
words, or quoted; the block may be indented as a whole) whose values are plain (over one line
or several), single- or double-quoted, folded (`>`) or literal (`|`); nested mappings and
lists are passed over. A `---` line not followed by a `key: value` line is a thematic break
above the article, not front matter.
"""

from __future__ import annotations

import re
import textwrap
import tomllib

from digest.errors import ReadError

# A key: a word or a few (`Publish Date`), or quoted (`"title"`); front matter may be indented.
_KEY = r"""(?:"[^"\n]{1,100}"|'[^'\n]{1,100}'|[\w-]+(?:[ \t]+[\w-]+){0,4})"""
_YAML_OPENING = re.compile(
    rf"\A---[ \t]*\n(?:[ \t]*(?:#.*)?\n)*(?:[ \t]*{_KEY}[ \t]*:(?:[ \t]|$)|(?:---|\.\.\.)[ \t]*$)",
    re.MULTILINE,
)
_SPACED_KEY = re.compile(r"^[ \t]*[\w-]+[ \t]+[\w-][^:\n]*:", re.MULTILINE)  # unquoted
_YAML_FRONT = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.M | re.S)
_TOML_OPENING = re.compile(r"\A\+\+\+[ \t]*\n")
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?)^\+\+\+[ \t]*(?:\n|\Z)", re.M | re.S)
_YAML_LINE = re.compile(rf"^({_KEY})[ \t]*:[ \t]*(.*)$")
_BLOCK_SCALAR = re.compile(r"([|>])[1-9]?[+-]?[1-9]?(?:[ \t]+#.*)?")  # "|", ">-", "|2+"
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\n", "0": "", "_": "\xa0", "N": "\x85"}


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """The front matter's fields and the text below it; no fields when there is none."""
    if _TOML_OPENING.match(text):
        match = _TOML_FRONT.match(text)
        if not match:
            raise ReadError("front matter is not closed (no matching +++ line)")
        return _toml(match.group(1)), text[match.end() :]
    if opening := _YAML_OPENING.match(text):
        try:
            match = _YAML_FRONT.match(text)
            if not match:
                raise ReadError("front matter is not closed (no matching --- or ... line)")
            return _yaml(match.group(1)), text[match.end() :]
        except ReadError:
            # An opening key of several plain words ("Breaking news: the council voted …") is
            # as likely prose after a thematic break: unless the block reads whole as front
            # matter, the file is Markdown without any.
            if _SPACED_KEY.search(opening.group()):
                return {}, text
            raise
    return {}, text


def _toml(block: str) -> dict[str, object]:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as error:
        raise ReadError(f"front matter is not valid TOML: {error}") from None


def _yaml(block: str) -> dict[str, object]:
    """The top-level fields of YAML front matter, each value as text."""
    entries: list[tuple[str, list[str]]] = []
    for line in textwrap.dedent(block).split("\n"):
        if entries and (not line.strip() or line[0] in " \t"):
            entries[-1][1].append(line)  # the value goes on, or is nested
        elif not line.strip() or line.startswith(("#", "-")):
            continue  # a comment, or a list under the key above
        elif match := _YAML_LINE.match(line):
            entries.append((_scalar(match.group(1), []), [match.group(2).strip()]))
        else:
            raise ReadError(f"front matter line is not 'key: value': {line[:60]!r}")
    return {key: _scalar(head, more) for key, (head, *more) in entries}


def _scalar(head: str, more: list[str]) -> str:
    """A value from its first line (after the key) and the indented lines below it."""
    if block := _BLOCK_SCALAR.fullmatch(head):
        lines = [line.strip() for line in more]
        while lines and not lines[-1]:
            lines.pop()
        if block.group(1) == "|":
            return "\n".join(lines)
        return "\n".join(" ".join(part.split("\n")) for part in "\n".join(lines).split("\n\n"))
    if not head:
        return ""  # a nested mapping or list: no field digest reads
    value = " ".join([head, *(line.strip() for line in more if line.strip())])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPE.sub(_unescaped, value[1:-1])
    return value


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:  # \xHH, \uHHHH
        return chr(int(code[1:], 16))
    return _ESCAPED.get(code, code)
