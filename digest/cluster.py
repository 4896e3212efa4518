"""Articles → stories, incrementally: each new article joins the closest recent story or starts one.

Pure given its inputs: `assign` sees only the new articles and the recent stored ones (with their
feature blobs from `features`), so the same inputs always give the same story ids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse

from digest.config import StorySettings
from digest.models import Article
from digest.vectors import decode, encode, term_counts

CHUNK = 256  # new articles scored against the stories at once
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
LEAD_WORDS = 60


def features(article: Article) -> bytes:
    """Compact, language-aware term features of one article, computed once at ingest and stored.

    Hashed counts of stemmed content words; words of the title and of the lead count more.
    """
    counts = term_counts(article.text, article.language, lead_words=LEAD_WORDS, lead=LEAD_WEIGHT)
    if article.title:
        for term, weight in term_counts(article.title, article.language).items():
            counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT * weight
    return encode(counts)


@dataclass(frozen=True, slots=True)
class Placed:
    """An article already stored (and maybe already in a story), as the clustering sees it."""

    article_id: str
    story_id: str | None  # None for the new articles being placed
    published: datetime  # aware; the ingest time when the article had no date
    features: bytes


def assign(
    new: Sequence[Placed], recent: Sequence[Placed], settings: StorySettings
) -> dict[str, str]:
    """Story id for each new article.

    `recent` holds the stored articles whose story was active within the window. New articles are
    placed in date order (ties by id), each joining the most similar story still within the
    window, or starting a story named after its first article.
    """
    if not new:
        return {}
    ordered = sorted(new, key=lambda p: (p.published, p.article_id))
    placed = [p for p in recent if p.story_id is not None]
    matrix = _weighted_matrix([p.features for p in placed] + [p.features for p in ordered])
    stories = _Stories.from_recent(placed, matrix[: len(placed)], settings)
    news = matrix[len(placed) :]
    for start in range(0, len(ordered), CHUNK):
        stories.place_chunk(ordered[start : start + CHUNK], news[start : start + CHUNK])
    return stories.assigned


def _weighted_matrix(blobs: list[bytes]) -> sparse.csr_matrix:
    """Rows of unit length: sublinear term weight × idf of the documents at hand."""
    decoded = [decode(blob) for blob in blobs]
    lengths = np.array([len(terms) for terms, _ in decoded], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    terms = np.concatenate([t for t, _ in decoded]) if decoded else np.zeros(0, np.int32)
    weights = np.concatenate([w for _, w in decoded]) if decoded else np.zeros(0, np.float32)
    vocabulary, columns = np.unique(terms, return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.log1p(weights).astype(np.float64), columns, indptr),
        shape=(len(blobs), len(vocabulary)),
    )
    document_frequency = np.bincount(columns, minlength=len(vocabulary))
    idf = np.log((1 + len(blobs)) / (1 + document_frequency)) + 1.0
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


@dataclass
class _Stories:
    """Running story state: centroid sums, their squared norms and their last dates."""

    ids: list[str]
    sums: sparse.csr_matrix  # one row per story: the sum of its articles' unit vectors
    norms2: np.ndarray
    last: np.ndarray  # last publication time, as POSIX seconds
    window: float  # seconds
    threshold: float
    assigned: dict[str, str]

    @classmethod
    def from_recent(
        cls, placed: list[Placed], matrix: sparse.csr_matrix, settings: StorySettings
    ) -> _Stories:
        ids = sorted({p.story_id for p in placed if p.story_id is not None})
        index = {story: i for i, story in enumerate(ids)}
        rows = np.array([index[p.story_id] for p in placed], dtype=np.int64)
        membership = sparse.csr_matrix(
            (np.ones(len(placed)), (rows, np.arange(len(placed)))), shape=(len(ids), len(placed))
        )
        sums = sparse.csr_matrix(membership @ matrix)
        last = np.full(len(ids), -math.inf)
        np.maximum.at(last, rows, [p.published.timestamp() for p in placed])
        window = timedelta(days=settings.window_days).total_seconds()
        return cls(ids, sums, _row_norms2(sums), last, window, settings.threshold, {})

    def place_chunk(self, chunk: list[Placed], vectors: sparse.csr_matrix) -> None:
        """Place a chunk of date-ordered new articles, updating centroids exactly as they join."""
        size, known = len(chunk), len(self.ids)
        dots = np.zeros((size, known + size))
        if known:
            dots[:, :known] = (vectors @ self.sums.T).toarray()
        within = (vectors @ vectors.T).toarray()
        norms2 = np.concatenate([self.norms2, np.zeros(size)])
        last = np.concatenate([self.last, np.full(size, -math.inf)])
        ids = [*self.ids]
        taken = set(ids)
        choice = np.empty(size, dtype=np.int64)
        for i, article in enumerate(chunk):
            when = article.published.timestamp()
            count = len(ids)
            scores = dots[i, :count] / np.sqrt(np.maximum(norms2[:count], 1e-12))
            scores[last[:count] < when - self.window] = -1.0
            best = int(np.argmax(scores)) if count else -1
            if best < 0 or scores[best] < self.threshold:
                best = count
                ids.append(_new_story_id(article.article_id, taken))
                taken.add(ids[-1])
            norms2[best] += 2 * dots[i, best] + within[i, i]
            last[best] = max(last[best], when)
            dots[i + 1 :, best] += within[i + 1 :, i]
            choice[i] = best
            self.assigned[article.article_id] = ids[best]
        self._absorb(choice, vectors, ids, norms2[: len(ids)], last[: len(ids)])

    def _absorb(
        self,
        choice: np.ndarray,
        vectors: sparse.csr_matrix,
        ids: list[str],
        norms2: np.ndarray,
        last: np.ndarray,
    ) -> None:
        membership = sparse.csr_matrix(
            (np.ones(len(choice)), (choice, np.arange(len(choice)))),
            shape=(len(ids), len(choice)),
        )
        known = self.sums.shape[0]
        grown = sparse.vstack(
            [self.sums, sparse.csr_matrix((len(ids) - known, self.sums.shape[1]))]
        )
        self.sums = sparse.csr_matrix(grown + membership @ vectors)
        self.ids, self.norms2, self.last = ids, norms2, last


def _row_norms2(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()


def _new_story_id(article_id: str, taken: set[str]) -> str:
    story = "s" + article_id[:12]
    suffix = 1
    while story in taken:
        suffix += 1
        story = f"s{article_id[:12]}-{suffix}"
    return story
