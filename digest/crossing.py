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

Each language's stemmer makes its own term of many names ("Valencia" is "valencia" in English,
"valenci" in Spanish), so with a story that has no article in L, the article's names as
written (`cluster.names_matrix`) held in two languages count beside its crossing terms, scaled
by NAME_WEIGHT: in both x seen and S seen, and in their dot product.

With one language at hand there is no crossing term, and nothing here runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from digest.models import LANGUAGES
from digest.vectors import grown_sums, membership, row_norms2

UNKNOWN = -1  # the language of an article whose stored features do not say it
# The part of a story an article can match is taken to weigh at least this share of the whole:
# an article and a story that share one place name, and nothing else, are not compared on it
# alone (that cosine is 1).
SEEN_AT_LEAST = 0.15
# A report and a story in other languages share at least this many crossing terms to be
# compared on them: one place name is where two events may happen, not one event; and words
# the languages spell alike ("police", "France") are crossing terms too (at 3, a fire and a tram
# crash in Lyon that shared Lyon, France and "police" joined; the en/fr sets score the same).
# Names count so too: four crossing terms or SHARED_NAMES_AT_LEAST names (a name that both
# languages stem alike is in both counts, so the larger is taken, not their sum). A name needs
# one more: a person's first name and surname are two names, so the city, its mayor and the news
# agency of any regional report ("Valencia", "Carlos", "Mazón", "EFE") made four, and a wildfire
# and a budget vote joined.
SHARED_AT_LEAST = 4
SHARED_NAMES_AT_LEAST = SHARED_AT_LEAST + 1
# The names of an article (unit length, their rarity weighed as the words') weigh this much
# beside its words (unit length) when it is compared across languages (docs/quality.md,
# "Seventh round").
NAME_WEIGHT = 0.5


@dataclass(frozen=True)
class Terms:
    """What documents of two or more languages hold alike: word columns, and names."""

    columns: np.ndarray  # the crossing terms, as columns of the clustering's matrix
    names: sparse.csr_matrix  # every document at hand: its names held in two languages


def crossing_terms(
    counts: sparse.csr_matrix, languages: np.ndarray, names: sparse.csr_matrix | None = None
) -> Terms | None:
    """The columns of `counts` held by documents of two or more languages, and the documents'
    `names` (unit rows, one per row of `counts`) on the names held so, or None when the
    documents are of one language only (the usual case).

    `languages` holds each row's language number (UNKNOWN rows count for no language).
    """
    codes = np.unique(languages[languages != UNKNOWN])
    if len(codes) < 2:
        return None
    columns = _held_in_two(counts, languages, codes)
    if names is None:
        names = sparse.csr_matrix((counts.shape[0], 0))
    shared = names[:, _held_in_two(names, languages, codes)] * NAME_WEIGHT
    return Terms(columns, sparse.csr_matrix(shared))


def _held_in_two(counts: sparse.csr_matrix, languages: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The columns that documents of two or more of these languages hold."""
    # The language of most documents holds what the others leave: its rows are never copied out
    # (a store in one language with a few reports in another is the usual case).
    size = counts.shape[1]
    most = codes[np.argmax([np.count_nonzero(languages == code) for code in codes])]
    rows = np.flatnonzero(languages != most)
    others = counts[rows]
    of_entry = np.repeat(languages[rows], np.diff(others.indptr))
    held = np.bincount(counts.indices, minlength=size) > np.bincount(others.indices, minlength=size)
    held = held.astype(np.int64)
    for code in codes[codes != most]:
        held += np.bincount(others.indices[of_entry == code], minlength=size) > 0
    return np.flatnonzero(held >= 2)


@dataclass
class Crossing:
    """Per story: its sum on the crossing terms and on the names held in two languages, their
    squared lengths, the squared length of its sum on each language's other terms, and the
    languages its articles are in (as `_Stories` keeps the sums)."""

    terms: Terms
    sums: sparse.csr_matrix  # story × crossing term: the sum of its articles' vectors
    norms2: np.ndarray  # |sum|² on the crossing terms, per story
    own2: np.ndarray  # story × AT: |sum of its articles in that language|² on the other terms
    spoken: np.ndarray  # story × AT: it holds an article in that language
    name_sums: sparse.csr_matrix  # story × name: the sum of its articles' names
    names2: np.ndarray  # |name sum|², per story
    next: int  # the row of `terms.names` of the next article placed

    @classmethod
    def of(
        cls,
        terms: Terms,
        rows: np.ndarray,
        vectors: sparse.csr_matrix,
        languages: np.ndarray,
        norms2: np.ndarray,
    ) -> Crossing:
        """The state of stored articles: `rows` gives each one's story (0 to len(norms2) - 1),
        `norms2` each story's whole squared length."""
        stories, columns = len(norms2), terms.columns
        belong = membership(rows, stories)
        sums = sparse.csr_matrix(belong @ vectors[:, columns])
        name_sums = sparse.csr_matrix(belong @ terms.names[: len(rows)])
        spoken = np.zeros((stories, AT), dtype=bool)
        spoken[rows, languages + 1] = True
        own2 = np.zeros((stories, AT))
        crossing2 = row_norms2(sums)
        # A story in one language: its own terms are all that is not crossing (orthogonal parts).
        kinds = spoken.sum(axis=1)
        single = np.flatnonzero(kinds == 1)
        own2[single, spoken[single].argmax(axis=1)] = norms2[single] - crossing2[single]
        several = np.isin(rows, np.flatnonzero(kinds > 1))
        if several.any():
            others = np.ones(vectors.shape[1])
            others[columns] = 0.0
            own = sparse.csr_matrix(vectors[np.flatnonzero(several)] @ sparse.diags(others))
            rows_of, languages_of = rows[several], languages[several] + 1
            for at in np.unique(languages_of):
                members = np.flatnonzero(languages_of == at)
                own_sums = sparse.csr_matrix(membership(rows_of[members], stories) @ own[members])
                own2[:, at] = np.where(kinds > 1, row_norms2(own_sums), own2[:, at])
        names2 = row_norms2(name_sums)
        return cls(terms, sums, crossing2, own2, spoken, name_sums, names2, len(rows))

    def chunk(self, vectors: sparse.csr_matrix, languages: np.ndarray) -> Chunk:
        """What placing these new articles (in order; the next rows of the documents at hand)
        needs: their dot products on the crossing terms and on the names with the stories so
        far and with each other."""
        crossing = sparse.csr_matrix(vectors[:, self.terms.columns])
        named = self.terms.names[self.next : self.next + vectors.shape[0]]
        self.next += vectors.shape[0]
        words, names = _Dots.of(self.sums, crossing), _Dots.of(self.name_sums, named)
        return Chunk(self, words, names, languages)

    def grow(self, stories: int, choice: np.ndarray, chunk: Chunk) -> None:
        """Add a placed chunk to the sums (`stories`: how many there are now)."""
        self.sums = grown_sums(self.sums, stories, choice, chunk.words.vectors)
        self.name_sums = grown_sums(self.name_sums, stories, choice, chunk.names.vectors)
        self.norms2, self.names2 = chunk.norms2[:stories], chunk.names2[:stories]
        self.own2, self.spoken = chunk.own2[:stories], chunk.spoken[:stories]


@dataclass
class _Dots:
    """New articles' vectors on some terms, their dot products with each other, and with the
    stories' sums on those terms before the chunk: kept sparse (few stories share a crossing
    term or a name with an article), one article's made whole when it is placed."""

    stored: int  # stories before the chunk
    before: sparse.csr_matrix  # new article × story
    vectors: sparse.csr_matrix  # new article × term
    among: np.ndarray  # new article × new article

    @classmethod
    def of(cls, sums: sparse.csr_matrix, vectors: sparse.csr_matrix) -> _Dots:
        before = sparse.csr_matrix((sums @ vectors.T).T)
        return cls(sums.shape[0], before, vectors, (vectors @ vectors.T).toarray())

    def __post_init__(self) -> None:
        self._last: tuple[int, np.ndarray] = (-1, np.zeros(0))

    def with_stories(self, i: int, count: int, choice: np.ndarray) -> np.ndarray:
        """New article `i`'s dot product with each of the first `count` stories, `choice`
        holding the stories of the articles of the chunk placed before it."""
        if self._last[0] != i:
            row = np.zeros(self.stored)
            stories, dots = _row(self.before, i)
            row[stories] = dots
            self._last = (i, row)
        size = max(count, self.stored)
        dots = np.zeros(size)
        dots[: self.stored] = self._last[1]
        if i:
            dots += np.bincount(choice[:i], weights=self.among[i, :i], minlength=size)[:size]
        return dots[:count]

    def with_story(self, i: int, story: int, choice: np.ndarray) -> float:
        """`with_stories` for one story."""
        return float(self.with_stories(i, story + 1, choice)[story])

    def terms(self, i: int) -> list[int]:
        return _row(self.vectors, i)[0].tolist()


def _row(matrix: sparse.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns and values of a row of a sparse matrix."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


@dataclass
class Chunk:
    """The crossing state while a chunk of new articles is placed one by one."""

    crossing: Crossing
    words: _Dots  # on the crossing terms
    names: _Dots  # on the names held in two languages
    languages: np.ndarray  # of the new articles

    def __post_init__(self) -> None:
        size = len(self.languages)
        self.norms2 = np.concatenate([self.crossing.norms2, np.zeros(size)])
        self.names2 = np.concatenate([self.crossing.names2, np.zeros(size)])
        self.own2 = np.concatenate([self.crossing.own2, np.zeros((size, AT))])
        self.spoken = np.concatenate([self.crossing.spoken, np.zeros((size, AT), dtype=bool)])
        # How many languages each story's articles are in; below 0 with one of unknown language.
        self.kinds = np.where(self.spoken[:, 0], -AT, self.spoken[:, 1:].sum(axis=1))
        self.choice = np.zeros(size, dtype=np.int64)  # the story each new article joined
        self.terms: dict[int, tuple[set[int], set[int]]] = {}  # per story looked at: its terms

    def cosines(
        self, i: int, dots: np.ndarray, norms2: np.ndarray, threshold: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The stories that hold an article in another language than new article `i`'s, and
        its cosine with each on the terms both can hold and their names, from its whole dot
        products `dots` with the stories and their whole squared lengths `norms2`; -1 for a
        story in other languages only that reaches `threshold` with fewer than SHARED_AT_LEAST
        crossing terms, and fewer than SHARED_NAMES_AT_LEAST names, in common. None when there
        is none, or for an article of unknown language (a story with an article of unknown
        language is never one: their plain cosines stand)."""
        at, count = int(self.languages[i]) + 1, len(dots)
        if at == UNKNOWN + 1:
            return None
        own = self.spoken[:count, at]  # the story has an article in the article's language
        stories = np.flatnonzero(self.kinds[:count] - own > 0)
        if not len(stories):
            return None
        own = own[stories]
        # Names count with a story in other languages only: in one language they are words.
        named = np.where(own, 0.0, self.names.with_stories(i, count, self.choice)[stories])
        seen = np.sqrt(np.where(own, 1.0, self.words.among[i, i] + self.names.among[i, i]))
        story_seen = np.sqrt(
            self.norms2[stories] + np.where(own, 0.0, self.names2[stories]) + self.own2[stories, at]
        )  # |S seen|
        floor = SEEN_AT_LEAST * np.sqrt(norms2[stories])
        cosines = (dots[stories] + named) / np.maximum(np.maximum(seen * story_seen, floor), 1e-12)
        held = (set(self.words.terms(i)), set(self.names.terms(i)))
        for k in np.flatnonzero(~own & (cosines >= threshold)).tolist():
            words, names = self._story_terms(int(stories[k]))
            shared_words, shared_names = len(held[0] & words), len(held[1] & names)
            if shared_words < SHARED_AT_LEAST and shared_names < SHARED_NAMES_AT_LEAST:
                cosines[k] = -1.0
        return stories, cosines

    def _story_terms(self, story: int) -> tuple[set[int], set[int]]:
        """The crossing terms and the names a story's articles hold (as columns of the sums)."""
        if story not in self.terms:
            self.terms[story] = (
                _row_columns(self.crossing.sums, story),
                _row_columns(self.crossing.name_sums, story),
            )
        return self.terms[story]

    def join(self, i: int, story: int, dot: float, choice: np.ndarray) -> None:
        """New article `i` joins `story` (a new one when it is the next number), with which its
        whole dot product was `dot`; `choice` holds the stories of the articles of the chunk
        placed before it."""
        crossing = self.words.with_story(i, story, choice)
        named = self.names.with_story(i, story, choice)
        at, own = int(self.languages[i]) + 1, dot - crossing
        if not self.spoken[story, at]:
            self.kinds[story] = -AT if at == UNKNOWN + 1 else self.kinds[story] + 1
        self.spoken[story, at] = True
        words, names = self._story_terms(story)
        words.update(self.words.terms(i))
        names.update(self.names.terms(i))
        self.choice[i] = story
        self.norms2[story] += 2 * crossing + self.words.among[i, i]
        self.names2[story] += 2 * named + self.names.among[i, i]
        # the article is a unit vector
        self.own2[story, at] += 2 * own + 1.0 - self.words.among[i, i]


def _row_columns(sums: sparse.csr_matrix, row: int) -> set[int]:
    """The columns a row of story sums holds (none for a story not in the sums yet)."""
    return set(_row(sums, row)[0].tolist()) if row < sums.shape[0] else set()


AT = len(LANGUAGES) + 1  # columns of `own2` and `spoken`: UNKNOWN, then each language's number
