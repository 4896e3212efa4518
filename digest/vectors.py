"""Hashed stemmed terms of a text, the compact byte form of their counts stored per article, and
the sums of articles' vectors by story."""

from __future__ import annotations

import zlib

import numpy as np
from scipy import sparse

from digest.language import stem_words, stemmer, stop_words
from digest.sentences import words

BUCKETS = 1 << 24  # hashed term space; with a few hundred thousand stems, collisions are rare
DROPPED = -1  # the term of a stop word, a number or a one-letter word
FORMAT_VERSION = 1  # of the byte layout: the first 4 bytes of every blob `encode` writes
_FORMAT = np.array([FORMAT_VERSION], dtype="<u4").tobytes()
_MIN_LENGTH = 2
_CACHE_LIMIT = 500_000  # words remembered per language before the cache starts over
_terms: dict[str, dict[str, int]] = {}


def term_of(word: str, language: str) -> int:
    """The hashed stem of a word, or DROPPED."""
    lowered = word.lower()
    if len(lowered) < _MIN_LENGTH or lowered.isdigit() or lowered in stop_words(language):
        return DROPPED
    # No language prefix: names and places hash alike in every language.
    return zlib.crc32(stemmer(language)(lowered).encode()) % BUCKETS


def _terms_of_words(found: list[str], language: str) -> list[int]:
    """`term_of` each word, the words to stem stemmed in one call."""
    stops = stop_words(language)
    terms, to_stem = [DROPPED] * len(found), []
    for index, word in enumerate(found):
        lowered = word.lower()
        if not (len(lowered) < _MIN_LENGTH or lowered.isdigit() or lowered in stops):
            to_stem.append((index, lowered))
    stems = stem_words(language)([lowered for _, lowered in to_stem])
    for (index, _), stem in zip(to_stem, stems, strict=True):
        terms[index] = zlib.crc32(stem.encode()) % BUCKETS
    return terms


def terms_of(text: str, language: str) -> np.ndarray:
    """The term of every word of `text`, in order (DROPPED for words that carry no topic)."""
    cache = _terms.setdefault(language, {})
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    tokens = words(text)
    new = list(set(tokens).difference(cache))
    if new:
        cache.update(zip(new, _terms_of_words(new, language), strict=True))
    return np.fromiter(map(cache.__getitem__, tokens), dtype=np.int64, count=len(tokens))


def encode(terms: np.ndarray, weights: np.ndarray) -> bytes:
    """Sum the weights of each term and pack them: a format version, int32 terms, float32 sums."""
    kept = terms != DROPPED
    unique, inverse = np.unique(terms[kept], return_inverse=True)
    sums = np.bincount(inverse, weights=weights[kept], minlength=len(unique))
    return _FORMAT + unique.astype("<i4").tobytes() + sums.astype("<f4").tobytes()


def check_format(blob: bytes) -> None:
    """Refuse a blob of another format version than `encode` writes."""
    if blob[:4] != _FORMAT:
        raise ValueError("unknown clustering feature format; the article must be read again")


def decode(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The sorted terms and their weights written by `encode` (read-only views of `blob`)."""
    check_format(blob)
    size = (len(blob) - 4) // 8
    terms = np.frombuffer(blob, dtype="<i4", count=size, offset=4)
    weights = np.frombuffer(blob, dtype="<f4", count=size, offset=4 + 4 * size)
    return terms, weights


def membership(rows: np.ndarray, stories: int) -> sparse.csr_matrix:
    """stories × articles, 1 where the article belongs to the story."""
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(stories, len(rows))
    )


def row_norms2(matrix: sparse.csr_matrix) -> np.ndarray:
    """The squared length of each row."""
    return np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()


def grown_sums(
    sums: sparse.csr_matrix, stories: int, choice: np.ndarray, vectors: sparse.csr_matrix
) -> sparse.csr_matrix:
    """Story sums (one row a story) for `stories` stories, with the placed articles' `vectors`
    added to the story `choice` gives each."""
    added = stories - sums.shape[0]
    grown = sparse.vstack([sums, sparse.csr_matrix((added, sums.shape[1]))])
    return sparse.csr_matrix(grown + membership(choice, stories) @ vectors)
