"""Searching a large alternation of rules quickly: each rule alone, and only in a text holding
a string every match of the rule holds.

Python's `re` tries every alternative of a pattern at every position of the text, so a pattern
of dozens of rules costs tens or hundreds of microseconds a sentence, and every sentence of a
story is searched. Whether a text holds a few strings costs a fraction of that, and most
sentences hold none of a rule's. The strings are read from the rules themselves, so they follow
every edit of them; the answer is always the whole pattern's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # the parser of the re module: private, so a Python without it searches every rule
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _parse
except ImportError:  # pragma: no cover - other Python versions
    _parse = _c = None

Needles = frozenset[str]
_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # \1, (?P=name), (?(1)...)


class Alternatives:
    """A compiled pattern searched rule by rule (its top-level alternatives, and those of a group
    that is all of one), each only in a text holding one of its required strings."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        # Under IGNORECASE the strings are looked for in the lower-cased text; only with ASCII,
        # where a letter matches its ASCII other case alone (no "ſ" for "s", no "K" for "k").
        self._lowered = bool(pattern.flags & re.IGNORECASE)
        parts = [pattern.pattern]  # a verbose pattern's comments may hold "|" or "(": one rule
        try:
            # a group reference would point elsewhere once the rules are apart: search it whole
            if not pattern.flags & re.VERBOSE and not _REFERENCE.search(pattern.pattern):
                parts = alternatives(pattern.pattern)
            rules = [re.compile(part, pattern.flags) for part in parts]
        except re.error:  # pragma: no cover - a part this splitter cut wrongly: search it whole
            rules = [pattern]
        self.rules = rules
        self._always: list[re.Pattern[str]] = []  # rules with no string to look for
        # Each rule under the strings of its most telling requirement, with the others'.
        self._by_needle: dict[str, list[tuple[re.Pattern[str], list[Needles]]]] = {}
        for rule in rules:
            requirements = required_literals(rule)
            if not requirements:
                self._always.append(rule)
                continue
            for needle in requirements[0]:
                self._by_needle.setdefault(needle, []).append((rule, requirements[1:]))

    def search(self, text: str, lowered: str | None = None) -> bool:
        """True when the pattern matches somewhere in `text` (`lowered`: `text.lower()`, when
        the caller has it)."""
        if any(rule.search(text) for rule in self._always):
            return True
        haystack = text
        if self._lowered:
            haystack = text.lower() if lowered is None else lowered
        tried: set[re.Pattern[str]] = set()
        for needle in filter(haystack.__contains__, self._by_needle):
            for rule, others in self._by_needle[needle]:
                if rule in tried:
                    continue
                tried.add(rule)
                if all(any(map(haystack.__contains__, n)) for n in others) and rule.search(text):
                    return True
        return False


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern, and those of a group (non-capturing, maybe after
    a `\\b`) that is all of an alternative, each with that `\\b`: `\\b(?:a|b)|c` gives `\\ba`,
    `\\bb` and `c`."""
    found = []
    for part in _split(pattern):
        prefix = "\\b" if part.startswith("\\b(?:") else ""
        inner = part[len(prefix) :]
        if inner.startswith("(?:") and _first_group_end(inner) == len(inner) - 1:
            subparts = alternatives(inner[3:-1])
            if len(subparts) > 1:
                found.extend(prefix + sub for sub in subparts)
                continue
        found.append(part)
    return found


def _split(pattern: str) -> list[str]:
    """A pattern cut at its `|` outside groups and classes."""
    cuts = [at for at, char, depth in _structure(pattern) if char == "|" and depth == 0]
    return [pattern[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(pattern)], strict=True)]


def _first_group_end(pattern: str) -> int:
    """Where the group opening the pattern closes (-1 when it does not)."""
    return next((at for at, char, depth in _structure(pattern) if char == ")" and depth == 1), -1)


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(position, character, groups open before it) of each character of a pattern that is
    neither escaped nor in a character class."""
    depth, at = 0, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if char == "[":
            at = _class_end(pattern, at) + 1
            continue
        yield at, char, depth
        depth += (char == "(") - (char == ")")
        at += 1


def _class_end(pattern: str, at: int) -> int:
    """Where the character class opening at `at` closes (a `]` first in it is a member)."""
    at += 1
    if pattern[at : at + 1] == "^":
        at += 1
    if pattern[at : at + 1] == "]":
        at += 1
    while at < len(pattern) and pattern[at] != "]":
        at += 2 if pattern[at] == "\\" else 1
    return at


def required_literals(pattern: re.Pattern[str]) -> list[Needles]:
    """Sets of strings of which every match of `pattern` holds one of each (lower-cased for an
    IGNORECASE|ASCII pattern), the most telling set first; none when none can be told."""
    if _parse is None or pattern.flags & re.LOCALE:
        return []
    folded = bool(pattern.flags & re.IGNORECASE)
    if folded and not pattern.flags & re.ASCII:
        return []  # Unicode case folding: "ſ" matches "s", and "ſ".lower() is "ſ"
    try:
        parsed = _parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - a pattern re compiled but this parser cannot read
        return []
    requirements = _requirements(list(parsed))
    if folded:
        if any(set(needle) & set("Σσς") for needles in requirements for needle in needles):
            return []  # the one letter str.lower() lowers by its context
        requirements = [frozenset(n.lower() for n in needles) for needles in requirements]
    return sorted(requirements, key=_telling, reverse=True)


def _telling(needles: Needles) -> tuple[int, int]:
    """How rarely a text holds one of `needles`, roughly: the longer the shortest the better."""
    return min(map(len, needles)), -len(needles)


def _requirements(items: list) -> list[Needles]:
    """What a sequence requires: its runs of literal characters, and for each of its mandatory
    parts, the strings one of which that part holds."""
    found: list[Needles] = []
    run: list[str] = []
    for op, value in items:
        if op is _c.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        needles = _of_item(op, value)
        if needles:
            found.append(needles)
    if run:
        found.append(frozenset({"".join(run)}))
    return found


def _of_sequence(items: list) -> Needles | None:
    """The most telling of a sequence's requirements, if any."""
    return max(_requirements(items), key=_telling, default=None)


def _of_item(op, value) -> Needles | None:
    if op is _c.BRANCH:
        found: set[str] = set()
        for alternative in value[1]:
            needles = _of_sequence(list(alternative))
            if not needles:
                return None  # an alternative with no requirement: the branch has none
            found |= needles
        return frozenset(found)
    if op is _c.SUBPATTERN:
        _, add_flags, del_flags, inner = value
        return None if add_flags or del_flags else _of_sequence(list(inner))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _, inner = value
        return _of_sequence(list(inner)) if low >= 1 else None
    return None  # a class, an assertion, a backreference: nothing required
