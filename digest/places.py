"""Where a report says something happened: the streets it names, evidence of one local event.

A report of a local incident names the street: "the 1200 block of South Main", "4500 N. Main
St.", "at Fifth and Elm streets", "on Main Street" in its lead. Two reports that both name streets
and share none are, nearly always, reports of two events (measured in docs/quality.md, "Sixth
round"). Topic news rarely names streets, so this evidence is silent there. English forms only.
"""

from __future__ import annotations

import re

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Parkway|Pkwy|Highway"
    r"|Hwy|Terrace|Circle|Trail)\b"
)
_SUFFIXES = set(_SUFFIX[3:-3].split("|"))
_NAME = r"(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))"  # "Main", "Martin Luther King", "12th"
_NAMES = rf"((?:{_NAME}\s+){{0,2}}{_NAME})"
_HEADING = r"(?:(?:North|South|East|West|[NSEW])\.?\s+)?"
_BLOCK = re.compile(rf"\b\d{{2,6}}\s+block\s+of\s+{_HEADING}{_NAMES}")
_ADDRESS = re.compile(rf"\b\d{{2,6}}\s+{_HEADING}{_NAMES}\s+{_SUFFIX}")
_CORNER = re.compile(
    rf"\b{_NAMES}(?:\s+{_SUFFIX}\.?)?\s+(?:and|&)\s+{_NAMES}\s+(?:{_SUFFIX}|[Ss]treets|[Aa]venues|[Rr]oads)"
)
_STREET = re.compile(rf"\b{_NAMES}\s+{_SUFFIX}")
LEAD_WORDS = 120  # a street named without a number counts in the lead only ("Wall Street" later)
_NOT_NAMES = {"The", "On", "At", "In", "Near", "Of", "Along", "Off"}


def streets(text: str) -> set[str]:
    """The streets a text names as a place (lower-cased, without "Street", "Ave." …).

    Anywhere in the text: a block or house number ("the 1200 block of Main", "4500 Main St.")
    and a corner ("Fifth and Elm streets"); in its first LEAD_WORDS words also a plain street
    name ("on Main Street"), since further down such names are more often an institution's.
    """
    found = [m.group(1) for pattern in (_BLOCK, _ADDRESS) for m in pattern.finditer(text)]
    found += [name for m in _CORNER.finditer(text) for name in m.groups()]
    lead = " ".join(text.split()[:LEAD_WORDS])
    found += [m.group(1) for m in _STREET.finditer(lead)]
    names = (
        [word for word in name.split() if word not in _SUFFIXES and word not in _NOT_NAMES]
        for name in found
    )
    return {" ".join(words).lower() for words in names if words}
