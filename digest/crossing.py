"""Words that cross languages: what tells that reports in two languages are of one event.

An English and a French report of one event share few words: each language has its own. What
they share are the words both languages spell alike: names of people, places and organisations
("Rasmussen", "Rabobank", "Pichilemu"), and a few others ("tsunami"). Among the documents at
hand, a term that articles of two or more languages hold is such a word (a crossing term).

An article in language L can match only part of a story told in other languages as well: its
crossing terms, and the words of the story's articles in L. So it is compared with that part:
its cosine with the story is x·S / (|x seen| |S seen|), where S seen is the story's sum on the
crossing terms and on the other terms of its articles in L, and x seen is the article's vector
on the terms the story's languages can hold (all of it when the story has an article in L, else
its crossing terms). For a story of one language, that is the plain cosine. Compared so, a
report and a story in another language are about as alike when they tell one event as two
reports in one language are, and reports of different events much less (docs/quality.md,
"Seventh round").

With one language at hand there is no crossing term, and nothing here runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from digest.models import LANGUAGES

UNKNOWN = -1  # the language of an article whose stored features do not say it
# The part of a story an article can match is taken to weigh at least this share of the whole:
# an article and a story that share one place name, and nothing else, are not compared on it
# alone (that cosine is 1).
SEEN_AT_LEAST = 0.15
# A report and a story in other languages share at least this many crossing terms to be
# compared on them: one place name is where two events may happen, not one event.
SHARED_AT_LEAST = 3


def crossing_terms(counts: sparse.csr_matrix, languages: np.ndarray) -> np.ndarray | None:
    """The columns of `counts` held by documents of two or more languages, or None when there
    are none (documents of one language only: the usual case).

    `languages` holds each row's language number (UNKNOWN rows count for no language).
    """
    codes = np.unique(languages[languages != UNKNOWN])
    if len(codes) < 2:
        return None
    held = np.zeros(counts.shape[1], dtype=np.int64)
    for code in codes:
        rows = counts[np.flatnonzero(languages == code)]
        held += np.bincount(rows.indices, minlength=counts.shape[1]) > 0
    columns = np.flatnonzero(held >= 2)
    return columns if len(columns) else None


@dataclass
class Crossing:
    """Per story: the squared length of its sum on the crossing terms and on each language's
    other terms, and the languages its articles are in (as `_Stories` keeps the sums)."""

    columns: np.ndarray  # the crossing terms, as columns of the clustering's matrix
    sums: sparse.csr_matrix  # story × crossing term: the sum of its articles' vectors
    norms2: np.ndarray  # |sum|² on the crossing terms, per story
    own2: np.ndarray  # story × AT: |sum of its articles in that language|² on the other terms
    spoken: np.ndarray  # story × AT: it holds an article in that language
    terms: list[set[int]]  # per story: the crossing terms its articles hold (as columns of sums)

    @classmethod
    def of(
        cls,
        columns: np.ndarray,
        rows: np.ndarray,
        stories: int,
        vectors: sparse.csr_matrix,
        languages: np.ndarray,
    ) -> Crossing:
        """The state of stored articles: `rows` gives each one's story (0..stories-1)."""
        sums = sparse.csr_matrix(_membership(rows, stories) @ vectors[:, columns])
        others = np.ones(vectors.shape[1])
        others[columns] = 0.0
        own = sparse.csr_matrix(vectors @ sparse.diags(others))
        own2 = np.zeros((stories, AT))
        spoken = np.zeros((stories, AT), dtype=bool)
        for at in np.unique(languages + 1):
            members = np.flatnonzero(languages + 1 == at)
            own_sums = _membership(rows[members], stories) @ own[members]
            own2[:, at] = _norms2(sparse.csr_matrix(own_sums))
            spoken[rows[members], at] = True
        terms = [
            set(sums.indices[sums.indptr[s] : sums.indptr[s + 1]].tolist()) for s in range(stories)
        ]
        return cls(columns, sums, _norms2(sums), own2, spoken, terms)

    def chunk(self, vectors: sparse.csr_matrix, languages: np.ndarray) -> Chunk:
        """What placing these new articles (in order) needs: their dot products on the
        crossing terms with the stories so far and with each other."""
        crossing = sparse.csr_matrix(vectors[:, self.columns])
        before = (self.sums @ crossing.T).T.toarray() if self.sums.shape[0] else None
        among = (crossing @ crossing.T).toarray()
        return Chunk(self, crossing, before, among, languages)

    def grow(self, stories: int, choice: np.ndarray, chunk: Chunk) -> None:
        """Add a placed chunk to the sums (`stories`: how many there are now)."""
        added = stories - self.sums.shape[0]
        grown = sparse.vstack([self.sums, sparse.csr_matrix((added, self.sums.shape[1]))])
        self.sums = sparse.csr_matrix(grown + _membership(choice, stories) @ chunk.vectors)
        self.norms2 = chunk.norms2[:stories]
        self.own2, self.spoken = chunk.own2[:stories], chunk.spoken[:stories]


@dataclass
class Chunk:
    """The crossing state while a chunk of new articles is placed one by one."""

    crossing: Crossing
    vectors: sparse.csr_matrix  # the new articles' vectors on the crossing terms
    before: np.ndarray | None  # new article × story: dot product with the sums before the chunk
    among: np.ndarray  # new article × new article
    languages: np.ndarray  # of the new articles

    def __post_init__(self) -> None:
        size = len(self.languages)
        self.norms2 = np.concatenate([self.crossing.norms2, np.zeros(size)])
        self.own2 = np.concatenate([self.crossing.own2, np.zeros((size, AT))])
        self.spoken = np.concatenate([self.crossing.spoken, np.zeros((size, AT), dtype=bool)])
        self.terms = self.crossing.terms
        self.dots = np.zeros(0)  # of the article being placed, on the crossing terms

    def cosines(
        self, i: int, choice: np.ndarray, dots: np.ndarray, norms2: np.ndarray, threshold: float
    ) -> np.ndarray | None:
        """New article `i`'s cosine with each story on the terms both can hold, from its whole
        dot products `dots` with them and their whole squared lengths `norms2`; None for an
        article of unknown language. A story with an article of unknown language gets -1 (its
        plain cosine stands), and so does one in other languages that reaches `threshold` with
        fewer than SHARED_AT_LEAST crossing terms in common. `choice` holds the stories of the
        articles of the chunk placed before it."""
        count, known = len(dots), len(self.crossing.norms2)
        crossing = np.zeros(count + 1)
        if self.before is not None:
            crossing[:known] = self.before[i]
        if i:
            crossing[:count] += np.bincount(choice, weights=self.among[i, :i], minlength=count)
        self.dots = crossing
        at = int(self.languages[i]) + 1
        if at == UNKNOWN + 1:
            return None
        spoken = self.spoken[:count, at]
        seen = np.where(spoken, 1.0, math.sqrt(self.among[i, i]))  # |x seen|
        story_seen = np.sqrt(self.norms2[:count] + self.own2[:count, at])  # |S seen|
        floor = SEEN_AT_LEAST * np.sqrt(norms2)
        cosines = dots / np.maximum(np.maximum(seen * story_seen, floor), 1e-12)
        cosines[self.spoken[:count, UNKNOWN + 1]] = -1.0
        held = set(self._terms_of(i))
        for story in np.flatnonzero(~spoken & (cosines >= threshold)).tolist():
            if len(held & self.terms[story]) < SHARED_AT_LEAST:
                cosines[story] = -1.0
        return cosines

    def _terms_of(self, i: int) -> list[int]:
        return self.vectors.indices[self.vectors.indptr[i] : self.vectors.indptr[i + 1]].tolist()

    def join(self, i: int, story: int, dot: float) -> None:
        """New article `i` joins `story` (a new one when it is the next number), with which its
        whole dot product was `dot`."""
        at, crossing, own = int(self.languages[i]) + 1, self.dots[story], dot - self.dots[story]
        self.spoken[story, at] = True
        if story == len(self.terms):
            self.terms.append(set())
        self.terms[story].update(self._terms_of(i))
        self.norms2[story] += 2 * crossing + self.among[i, i]
        self.own2[story, at] += 2 * own + 1.0 - self.among[i, i]  # the article is a unit vector


AT = len(LANGUAGES) + 1  # columns of `own2` and `spoken`: UNKNOWN, then each language's number


def _membership(rows: np.ndarray, stories: int) -> sparse.csr_matrix:
    """stories × articles, 1 where the article belongs to the story."""
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(stories, len(rows))
    )


def _norms2(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
