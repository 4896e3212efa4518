"""Where a report says something happened: the streets it names, evidence of one local event.

A report of a local incident names the street: "the 1200 block of South Main", "4500 N. Main
St.", "at Fifth and Elm streets", "on Main Street" in its lead. Two reports that both name streets
and share none are, nearly always, reports of two events (measured in docs/quality.md, "Sixth
round"). Topic news rarely names streets, so this evidence is silent there. English forms only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Parkway|Pkwy|Highway"
    r"|Hwy|Terrace|Circle|Trail)\b"
)
_SUFFIXES = set(_SUFFIX[3:-3].split("|"))
_NAME = r"(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))"  # "Main", "Martin Luther King", "12th"
_NAMES = rf"((?:{_NAME}\s+){{0,2}}{_NAME})"
_HEADING = r"(?:(?:North|South|East|West|[NSEW])\.?\s+)?"
# Street words are found with str.find (a regular expression of alternatives scans a text five
# times slower); what comes before one is read from there.
_PLURALS = ("streets", "Streets", "avenues", "Avenues", "roads", "Roads")  # "Elm and Oak streets"
_STREET_WORDS = (*_SUFFIXES, *_PLURALS)
# How a street word stands among the words of `str.split`: bare or with what may follow it.
_SPELLINGS = {
    word: [word + end for end in ("", ".", ",", ";", ":", ")", ".,", '."', ',"', "'s", "’s")]
    for word in _STREET_WORDS
}
_BLOCK = re.compile(rf"block\s+of\s+{_HEADING}{_NAMES}")
_NUMBER_BEFORE = re.compile(r"\b\d{2,6}\s+$")
_BEFORE = 80  # characters before a street word that can hold its name
_NAMED = re.compile(rf"(?:\b(?P<number>\d{{2,6}})\s+{_HEADING}(?=[A-Z\d]))?\b{_NAMES}\s+$")
_CORNER = re.compile(rf"\b{_NAMES}(?:\s+{_SUFFIX}\.?)?\s+(?:and|&)\s+{_NAMES}\s+$")
LEAD_WORDS = 120  # a street named without a number counts in the lead only ("Wall Street" later)
_LEAD = re.compile(rf"\s*(?:\S+\s+){{{LEAD_WORDS}}}")
_NOT_NAMES = {"The", "On", "At", "In", "Near", "Of", "Along", "Off"}


def streets(text: str) -> set[str]:
    """The streets a text names as a place (lower-cased, without "Street", "Ave." …).

    Anywhere in the text: a block or house number ("the 1200 block of Main", "4500 Main St.")
    and a corner ("Fifth and Elm streets"); in its first LEAD_WORDS words also a plain street
    name ("on Main Street"), since further down such names are more often an institution's.
    """
    found = []
    tokens = set(text.split())
    if "block" in tokens:
        for block in _BLOCK.finditer(text):
            if _NUMBER_BEFORE.search(text, max(0, block.start() - 10), block.start()):
                found.append(block.group(1))
    lead_end = -1
    for at in _street_words(text, tokens):
        begin = max(0, at - _BEFORE)
        before = text[begin:at].split()
        if not before or (not before[-1][0].isupper() and not before[-1][0].isdigit()):
            continue  # a name comes right before a street word ("Main Street", "12th Ave")
        if ("and" in before or "&" in before) and (corner := _CORNER.search(text, begin, at)):
            found += corner.groups()
            continue
        one = text[at].isupper() and not text.startswith(_PLURALS, at)
        named = _NAMED.search(text, begin, at) if one else None
        if named and lead_end < 0:
            lead = _LEAD.match(text)
            lead_end = lead.end() if lead else len(text)
        # "Dr" without a house number is more often a doctor's title ("Health Minister Dr. Lee").
        plain = at < lead_end and not text.startswith("Dr", at)
        if named and (plain or named.group("number")):
            found.append(named.group(2))
    names = (
        [word for word in name.split() if word not in _SUFFIXES and word not in _NOT_NAMES]
        for name in found
    )
    return {" ".join(words).lower() for words in names if words}


def _street_words(text: str, tokens: set[str]) -> Iterator[int]:
    """Where each street word stands as a word of its own ("St" but not "State").

    `tokens`, the text's words as `str.split` gives them, tell which street words to look for:
    most texts hold none, and a set is checked faster than a text is searched.
    """
    for word in _STREET_WORDS:
        if tokens.isdisjoint(_SPELLINGS[word]):
            continue
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (not at or not text[at - 1].isalnum()) and not text[end : end + 1].isalnum():
                yield at
            at = text.find(word, end)
