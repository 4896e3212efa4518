"""Hashed term counts of a text and their compact byte form, stored once per article."""

from __future__ import annotations

import zlib
from collections import Counter
from functools import lru_cache

import numpy as np

from digest.language import stemmer, stop_words
from digest.sentences import words

BUCKETS = 1 << 24  # hashed term space; collisions are rare at this size
_FORMAT = np.array([1], dtype="<u4").tobytes()  # version of the byte layout
_MIN_LENGTH = 2


@lru_cache(maxsize=1 << 18)
def term_of(word: str, language: str) -> int:
    """The hashed term of a word, or -1 for a stop word, a number or a one-letter word."""
    lowered = word.lower()
    if len(lowered) < _MIN_LENGTH or lowered in stop_words(language) or lowered.isdigit():
        return -1
    stem = stemmer(language)(lowered)
    return zlib.crc32(f"{language}:{stem}".encode()) % BUCKETS


def term_counts(
    text: str, language: str, *, lead_words: int = 0, lead: float = 1.0
) -> dict[int, float]:
    """Counts of hashed terms in `text`; the first `lead_words` words count `lead` times."""
    tokens = words(text)
    counts: dict[int, float] = {}
    for part, weight in ((tokens[:lead_words], lead), (tokens[lead_words:], 1.0)):
        for word, count in Counter(part).items():
            term = term_of(word, language)
            if term >= 0:
                counts[term] = counts.get(term, 0.0) + weight * count
    return counts


def encode(counts: dict[int, float]) -> bytes:
    """Sorted int32 terms then float32 weights, after a 4-byte format version."""
    terms = np.fromiter(sorted(counts), dtype="<i4", count=len(counts))
    weights = np.array([counts[t] for t in terms.tolist()], dtype="<f4")
    return _FORMAT + terms.tobytes() + weights.tobytes()


def decode(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The terms and weights written by `encode`."""
    if blob[:4] != _FORMAT:
        raise ValueError("unknown feature format; re-ingest the article")
    size = (len(blob) - 4) // 8
    terms = np.frombuffer(blob, dtype="<i4", count=size, offset=4)
    weights = np.frombuffer(blob, dtype="<f4", count=size, offset=4 + 4 * size)
    return terms, weights
