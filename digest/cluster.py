"""Articles → stories, incrementally: each new article joins the closest recent story or starts one.

Every article is a unit vector of weighted terms; a story is the sum S of its articles' vectors,
and an article x joins the story with the highest cosine x·S/|S| (its centroid), when that cosine
reaches `StorySettings.threshold` (or BUSY_SHARE of it, for a busy story: BUSY_ARTICLES or more,
its newest within BUSY_DAYS of the article's date), the story's last article is within
`window_days` of it, and the streets they name do not disagree (`places.streets`: when the
article and the story both name streets and share none, the cosine must reach OTHER_STREETS).
A story that holds articles in another language than the article's is compared with it on what
both can hold (`digest.crossing`).
New articles are placed one at a time in date order and every centroid moves as articles join,
so a stream of daily builds and one build of everything give (nearly) the same stories.

`assign` is pure: it sees only the new articles and the recent stored ones, with the feature
blobs `features` computed once at ingest. Term rarity (idf) comes from those documents at hand.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple, TypeVar

import numpy as np
from scipy import sparse

from digest.config import StorySettings
from digest.crossing import UNKNOWN, Chunk, Crossing, Terms, crossing_terms
from digest.language import names
from digest.models import LANGUAGES, Article, Frequencies, Placed
from digest.places import streets
from digest.sentences import word_start
from digest.vectors import (
    BUCKETS,
    FORMAT_VERSION,
    check_format,
    decode,
    encode,
    grown_sums,
    membership,
    row_norms2,
    terms_of,
)

TITLE_WEIGHT = 3.0  # a title word counts as much as three body words
LEAD_WORDS = 60  # the lead: where a report says what happened, where and to whom
LEAD_WEIGHT = 2.0
IDF_POWER = 1.5  # above 1: distinctive terms (names, places) outweigh common topical ones
CHUNK = 1024  # new articles scored against every story in one sparse product
MIN_STEP = 8  # new articles placed before the idf is computed again, at least
GROWTH = 4  # ...or a quarter of the documents at hand
# The idf counts this many more documents, holding none of the terms: with a few articles at
# hand (a first build, a quiet store), a word that all of them hold is not taken for a common
# one (docs/quality.md, "Seventh round"); with thousands at hand it changes next to nothing.
PRIOR_DOCUMENTS = 50
# An article and a story that name streets, none in common, join only at this cosine or more:
# below it, 99 % of such report pairs were of two events; above, half were one (a flood, a
# march: one event of many streets).
OTHER_STREETS = 0.4
# A busy story, of BUSY_ARTICLES articles or more, its newest within BUSY_DAYS of the article's
# date, takes an article at BUSY_SHARE of the threshold: a developing story's next report shares
# fewer words with all the story has said than a first one does, and a report that close to a
# story in the news that week is its continuation (docs/quality.md, "Eighth round").
BUSY_ARTICLES = 10
BUSY_DAYS = 3
BUSY_SHARE = 0.72
INDEX_TERMS = 25  # an article's terms by which later articles find its story (see docs)
CANDIDATES = 40  # stories a new article is scored against: those sharing most of its INDEX_TERMS
POSTINGS = 10  # of the articles indexed under a term, the newest, whose stories are candidates
MEMBERS = 50  # a candidate story's newest articles, whose sum is its centroid (see docs)
# The layout of the stored features, by term (they are sorted): the words (below BUCKETS), the
# names (NAME_MARK + hashed name), the streets (STREET_MARK + hashed street), and last one term,
# LANGUAGE_MARK + the number of the article's language in LANGUAGES.
NAME_MARK = BUCKETS
NAMES_CACHED = (
    100_000  # names whose terms are remembered (a daemon reads names for as long as it runs)
)
STREET_MARK = 2 * BUCKETS
LANGUAGE_MARK = 3 * BUCKETS
_Terms = TypeVar("_Terms", int, np.ndarray)  # one blob's (`language_of`) or many (`_decode`)


def features(article: Article) -> bytes:
    """Compact, language-aware term features of one article, computed once at ingest and stored.

    Hashed counts of stemmed content words (stop words and numbers dropped); words of the
    headline (the title without a web page's site name, `headline`) and of the lead count more
    than the rest of the body. The streets the title and text name (`places.streets`) are
    hashed apart, at STREET_MARK and above: they are no terms of the vector (`term_matrix`
    leaves them out) but a check of the decision (`places_of`). So are the names of the text
    (`language.names`), unstemmed, at NAME_MARK and above: what reports in two languages share
    (`names_matrix`, `digest.crossing`).
    """
    body = terms_of(article.text, article.language)
    weights = np.ones(len(body))
    weights[:LEAD_WORDS] = LEAD_WEIGHT
    title = terms_of(headline(article.title or ""), article.language)
    where = np.array([_place_term(s) for s in streets(f"{article.title or ''}\n{article.text}")])
    named = names(article.text)
    name_terms = np.fromiter((_name_term(name) for _, name in named), np.int64, len(named))
    starts = np.fromiter((at for at, _ in named), np.int64, len(named))
    name_weights = np.where(starts < word_start(article.text, LEAD_WORDS), LEAD_WEIGHT, 1.0)
    codes = list(LANGUAGES)
    spoken = [LANGUAGE_MARK + codes.index(article.language)] if article.language in codes else []
    return encode(
        np.concatenate([body, title, name_terms, where.astype(np.int64), spoken]),
        np.concatenate(
            [
                weights,
                np.full(len(title), TITLE_WEIGHT),
                name_weights,
                np.ones(len(where)),
                np.ones(len(spoken)),
            ]
        ),
    )


@lru_cache(maxsize=NAMES_CACHED)
def _name_term(name: str) -> int:
    return NAME_MARK + zlib.crc32(name.encode()) % BUCKETS


def names_matrix(blobs: Sequence[bytes]) -> sparse.csr_matrix:
    """One row per document of log(1 + count) per name (`features`), over these documents'
    names: the part of the features the word matrix (`term_matrix`) leaves out."""
    if not blobs:
        return sparse.csr_matrix((0, 0))
    return _names_matrix(_decode(blobs).marked, len(blobs))


def _names_matrix(marked: _Marked, documents: int) -> sparse.csr_matrix:
    """`names_matrix` of the decoded blobs' terms at BUCKETS and above."""
    name = (marked.terms >= NAME_MARK) & (marked.terms < STREET_MARK)
    columns = np.unique(marked.terms[name], return_inverse=True)[1].reshape(-1)
    values = np.log1p(marked.counts[name].astype(np.float64))
    shape = (documents, int(columns.max()) + 1 if len(columns) else 0)
    return sparse.csr_matrix((values, (marked.blobs[name], columns)), shape=shape)


def language_of(blob: bytes) -> int:
    """The number of an article's language in LANGUAGES, as its features hold it (UNKNOWN for
    features stored before they held it)."""
    size = (len(blob) - 4) // 8
    return _language_in(int.from_bytes(blob[4 * size : 4 * size + 4], "little"), size)


def _language_in(last: _Terms, size: _Terms) -> _Terms:
    """The language a blob's word `size` (its last term, after the format version) holds: the
    number in LANGUAGES after LANGUAGE_MARK, else UNKNOWN (no term, or features stored before
    they held the language)."""
    # Arithmetic rather than a branch or np.where: the one rule serves one blob (ints, for
    # `places_of`, called article by article) and many (arrays, `_decode`) at the speed of each.
    spoken = (size > 0) & (last >= LANGUAGE_MARK)
    return UNKNOWN + spoken * (last - LANGUAGE_MARK - UNKNOWN)


def _place_term(street: str) -> int:
    return STREET_MARK + zlib.crc32(street.encode()) % BUCKETS


def places_of(blob: bytes) -> frozenset[int]:
    """The hashed streets stored in an article's features."""
    # The terms are sorted, so the streets come last but for the language: most articles name
    # none, and a look at the last terms (from byte 4 × size of `vectors.encode`'s layout)
    # spares decoding them.
    size = (len(blob) - 4) // 8
    last = size - (language_of(blob) != UNKNOWN)
    if last < 1 or int.from_bytes(blob[4 * last : 4 * last + 4], "little") < STREET_MARK:
        return frozenset()
    terms, _ = decode(blob)
    return frozenset(terms[(terms >= STREET_MARK) & (terms < LANGUAGE_MARK)].tolist())


# " - ", " | ", " « ", " — " between spaces: where a page title joins its headline to the site's
# name ("Two hurt in shooting - WXYZ News, Weather & Sports").
_TITLE_PARTS = re.compile(r"\s+[-|«»–—]+\s+")


def headline(title: str) -> str:
    """The longest of a title's parts set apart by " - ", " | ", " « " or a dash.

    A page title often ends with its site's name and section, the same on every page of the
    site; weighed as a title, it made reports of different events on one site alike.
    """
    return max(_TITLE_PARTS.split(title), key=lambda part: len(part.split()))


def recompute_features(articles: Iterable[Article]) -> Iterator[tuple[str, bytes]]:
    """(id, features) of each stored article, for a store migration after `features` changed.

    Only the features are new: article ids, story ids and stored text stay as they are.
    """
    for article in articles:
        yield article.id, features(article)


def assign(
    new: Sequence[Placed],
    recent: Sequence[Placed],
    settings: StorySettings,
    frequencies: Frequencies | Callable[[np.ndarray], Frequencies] | None = None,
) -> dict[str, str]:
    """Story id for each new article.

    `recent` holds the stored articles of the stories active within the window, or only those
    of them that may matter: the stories indexed under one of the new articles' `index_terms`.
    A story that shares none of an article's most distinctive terms with it is, in practice,
    never similar enough to take it (docs/performance.md has the measure), and scoring only
    those keeps a build's cost to the day's news rather than to the whole window.

    New articles are placed in date order (ties by id), each joining the most similar story
    still within the window, or starting a story named after its first article
    ("s" + id[:12]).

    Term rarity comes from `frequencies` (those of every stored article) when given, else from
    the stored articles at hand: `recent`. `frequencies` may be a function of the terms (the
    sorted, hashed terms of the new and recent articles) that looks theirs up, so that the
    caller need not decode every recent article's features to know them.
    """
    if not new:
        return {}
    ordered = sorted(new, key=lambda p: (p.published, p.article_id))
    placing = {p.article_id for p in ordered}
    known = [p for p in recent if p.story_id is not None and p.article_id not in placing]
    blobs = [p.features for p in known + ordered]
    decoded = _decode(blobs)
    counts, vocabulary = _matrix_of(decoded)
    spoken = decoded.languages
    if callable(frequencies):
        frequencies = frequencies(vocabulary)
    base, stored = _base_frequencies(known, counts, vocabulary, frequencies), len(known)
    named = _names_if_several_languages(decoded.marked, spoken)
    assigned: dict[str, str] = {}
    for start, end in growth_steps(base.documents, len(ordered)):
        at_hand = len(known) + end - start  # the rows of the documents up to this step
        rows_at_hand = row_range(counts, 0, at_hand)
        matrix = weighted(rows_at_hand, base, stored)
        crossing = crossing_terms(
            rows_at_hand,
            spoken[:at_hand],
            None if named is None else weighted(row_range(named, 0, at_hand)),
        )
        vectors = row_range(matrix, 0, len(known))
        stories = _Stories.of(known, vectors, settings, decoded.marked, crossing, spoken)
        for first in range(start, end, CHUNK):
            last = min(first + CHUNK, end)
            rows = slice(len(known) + first - start, len(known) + last - start)
            stories.place(
                ordered[first:last], row_range(matrix, rows.start, rows.stop), spoken[rows]
            )
        assigned |= stories.assigned
        known += [replace(p, story_id=assigned[p.article_id]) for p in ordered[start:end]]
    return assigned


def _names_if_several_languages(marked: _Marked, spoken: np.ndarray) -> sparse.csr_matrix | None:
    """The documents' `names_matrix` (of their `marked` terms) when they are in two languages
    or more, else None (no comparison across languages, no names read)."""
    if len(np.unique(spoken[spoken != UNKNOWN])) < 2:
        return None
    return _names_matrix(marked, len(spoken))


def growth_steps(stored: int, new: int) -> Iterator[tuple[int, int]]:
    """Slices of the new articles, each adding at most a quarter to the documents at hand.

    The idf is computed again at each step from the documents up to it, so that one build of
    many days of news weighs terms much as a build per day would have (stream and batch agree).
    """
    start = 0
    while start < new:
        end = min(new, start + max(MIN_STEP, (stored + start) // GROWTH))
        yield start, end
        start = end


def term_matrix(blobs: Sequence[bytes]) -> sparse.csr_matrix:
    """One row per document of log(1 + count) per term, over the terms of these documents."""
    return terms_and_matrix(blobs)[0]


def terms_and_matrix(blobs: Sequence[bytes]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """`term_matrix`, and the (hashed) term of each of its columns."""
    return _terms_matrix_languages(blobs)[:2]


def _terms_matrix_languages(
    blobs: Sequence[bytes],
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """`terms_and_matrix`, and each document's `language_of`, from one decoding."""
    decoded = _decode(blobs)
    return *_matrix_of(decoded), decoded.languages


def _matrix_of(decoded: _Decoded) -> tuple[sparse.csr_matrix, np.ndarray]:
    """`terms_and_matrix` of decoded blobs."""
    indptr = np.concatenate([[0], np.cumsum(decoded.lengths)])
    vocabulary, columns = _distinct(decoded.terms)
    shape = (len(decoded.lengths), len(vocabulary))
    values = np.log1p(decoded.counts, dtype=np.float64)
    return sparse.csr_matrix((values, columns, indptr), shape=shape), vocabulary


# The mechanics of `_distinct` and `_decode_words` below make as few large arrays as they can:
# each page of a new array costs a fault, and at 100,000 stored articles the candidates' terms
# are millions (docs/performance.md).
def _distinct(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(terms, return_inverse=True)` of word terms (below BUCKETS): for many terms
    (candidate stories' articles), by a table of every bucket rather than by sorting them."""
    if len(terms) < BUCKETS // 8:
        return np.unique(terms, return_inverse=True)
    present = np.zeros(BUCKETS, dtype=bool)
    present[terms] = True
    vocabulary = np.flatnonzero(present)
    # Each present bucket's column written in, not a running count over all 16 million of
    # them: that count took a quarter of a second of a daily build at 100,000 stored articles.
    column = np.empty(BUCKETS, dtype=np.int32)
    column[vocabulary] = np.arange(len(vocabulary), dtype=np.int32)
    return vocabulary.astype(terms.dtype), column[terms]


def _decode_words(blobs: Iterable[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The word terms of many feature blobs (names, streets and the language, at BUCKETS and
    above, left out): how many each blob has, and all their terms and counts, in order
    (`vectors.decode`'s layout read as one array, not blob by blob)."""
    return _decode(blobs)[:3]


class _Marked(NamedTuple):
    """The terms at BUCKETS and above of many feature blobs (names, streets, a language), in
    order: no terms of the word matrix, but what `names_matrix` and `places_of` read."""

    blobs: np.ndarray  # the number of the blob holding each
    terms: np.ndarray
    counts: np.ndarray

    def streets(self) -> tuple[np.ndarray, np.ndarray]:
        """The streets (`places_of` of each blob): the blob of each, and its term."""
        street = (self.terms >= STREET_MARK) & (self.terms < LANGUAGE_MARK)
        return self.blobs[street], self.terms[street]


class _Decoded(NamedTuple):
    """Many feature blobs read at once (`_decode`)."""

    lengths: np.ndarray  # how many word terms each blob holds
    terms: np.ndarray  # the word terms of every blob, in order
    counts: np.ndarray  # their counts
    languages: np.ndarray  # the `language_of` each blob
    marked: _Marked  # the other terms of every blob


def _decode(blobs: Iterable[bytes]) -> _Decoded:
    """`_decode_words`, the `language_of` each blob, and the blobs' other terms."""
    blobs = list(blobs)
    if not blobs:
        none, terms, counts = np.zeros(0, np.int64), np.zeros(0, "<i4"), np.zeros(0, "<f4")
        return _Decoded(none, terms, counts, none, _Marked(none, terms, counts))
    joined, versions, sizes = _layout(blobs)
    parts = np.empty(3 * len(blobs), dtype=np.int64)  # each blob: its version, terms, counts
    parts[0::3], parts[1::3], parts[2::3] = 1, sizes, sizes
    kind = np.repeat(np.tile(np.array([0, 1, 2], dtype=np.int8), len(blobs)), parts)
    terms, counts = joined[kind == 1], joined[kind == 2].view("<f4")
    kept = terms < BUCKETS
    # The terms left out (names, streets, a language mark): each one's blob, by its place.
    left_out = np.flatnonzero(~kept)
    first_term = np.cumsum(sizes) - sizes
    blob_of = np.searchsorted(first_term, left_out, side="right") - 1
    lengths = sizes - np.bincount(blob_of, minlength=len(blobs))
    languages = _language_in(joined[versions + sizes].astype(np.int64), sizes)
    marked = _Marked(blob_of, terms[left_out], counts[left_out])
    return _Decoded(lengths, terms[kept], counts[kept], languages, marked)


def _layout(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature blobs read as one array of 4-byte words (`vectors.encode`'s layout: a format
    version, the terms, their weights): the words, where each blob's version is among them, and
    how many terms each holds; a blob of another length or format version is refused."""
    sizes = _sizes(blobs)
    joined = np.frombuffer(b"".join(blobs), dtype="<i4")
    words = 1 + 2 * sizes
    versions = np.cumsum(words) - words
    for wrong in np.flatnonzero(joined[versions] != FORMAT_VERSION)[:1].tolist():
        check_format(blobs[wrong])  # the first such blob, refused as `vectors.decode` refuses it
    return joined, versions, sizes


def _sizes(blobs: Sequence[bytes]) -> np.ndarray:
    """How many terms each feature blob holds (`vectors.encode`'s layout: a 4-byte format, then
    4 bytes a term and 4 a weight); a blob of another length is refused."""
    lengths = np.fromiter(map(len, blobs), np.int64, len(blobs))
    for wrong in np.flatnonzero((lengths < 4) | (lengths % 8 != 4))[:1].tolist():
        raise ValueError(
            f"clustering features of {lengths[wrong]} bytes are not of the stored layout;"
            " the article must be read again"
        )
    return (lengths - 4) // 8


@dataclass(frozen=True, slots=True)
class _Base:
    """The document frequency of each column over the stored documents the idf counts, and how
    many those are (the new rows of the matrix come on top)."""

    documents: int
    columns: np.ndarray


def _base_frequencies(
    known: Sequence[Placed],
    counts: sparse.csr_matrix,
    vocabulary: np.ndarray,
    frequencies: Frequencies | None,
) -> _Base:
    """The frequencies the idf starts from: the stored ones, or those of the known rows."""
    if frequencies is None:
        rows = counts[: len(known)]
        return _Base(len(known), np.bincount(rows.indices, minlength=counts.shape[1]))
    return _Base(frequencies.documents, frequency_of(frequencies, vocabulary.astype(np.int64)))


def row_range(matrix: sparse.csr_matrix, start: int, stop: int) -> sparse.csr_matrix:
    """Rows `start` to `stop` of a matrix, sharing its data: slicing copies them, tens of
    megabytes for the candidate stories' articles at 100,000 stored (the rows are only read)."""
    if start == 0 and stop == matrix.shape[0]:
        return matrix
    indptr = matrix.indptr[start : stop + 1]
    low, high = indptr[0], indptr[-1]
    return sparse.csr_matrix(
        (matrix.data[low:high], matrix.indices[low:high], indptr - low),
        shape=(stop - start, matrix.shape[1]),
    )


def weighted(
    counts: sparse.csr_matrix, base: _Base | None = None, known: int = 0
) -> sparse.csr_matrix:
    """Rows scaled by idf**IDF_POWER, then to unit length.

    The idf counts the documents of `base` and the rows after the first `known` (by default,
    every row), and PRIOR_DOCUMENTS more. A term of a single document gets the weight of a term
    of two: it cannot match anything yet, and a larger weight would only shrink that
    document's similarities (in a small batch, zero weight would make the rest look alike).
    """
    added = row_range(counts, known, counts.shape[0])
    frequency = np.bincount(added.indices, minlength=counts.shape[1])
    documents = added.shape[0]
    if base is not None:
        frequency, documents = frequency + base.columns, documents + base.documents
    data = counts.data * idf(frequency, documents + PRIOR_DOCUMENTS)[counts.indices]
    matrix = sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix)


def idf(frequency: np.ndarray, documents: int) -> np.ndarray:
    """The rarity weight of terms held by `frequency` of `documents` documents."""
    return (np.log((1 + documents) / (1 + np.maximum(frequency, 2))) + 1.0) ** IDF_POWER


def document_frequencies(features: Iterable[bytes]) -> dict[int, int]:
    """How many of these articles (their feature blobs) hold each term."""
    _, terms, _ = _decode_words(features)  # as term_matrix counts them
    if not len(terms):
        return {}
    unique, columns = _distinct(terms)
    counts = np.bincount(columns, minlength=len(unique))
    return dict(zip(unique.tolist(), counts.tolist(), strict=True))


def index_terms(placed: Sequence[Placed], frequencies: Frequencies) -> dict[str, list[int]]:
    """Each article's INDEX_TERMS most distinctive terms (count and rarity, as the clustering
    weighs them), by article id: by these a later article finds the stories it may join."""
    lengths, terms, counts = _decode_words(p.features for p in placed)
    found: dict[str, list[int]] = {p.article_id: [] for p in placed}
    if not lengths.sum():
        return found
    terms, counts = terms.astype(np.int64), counts.astype(np.float64)
    # Counting each article itself among the documents, as the clustering will.
    rarity = idf(frequency_of(frequencies, terms) + 1, frequencies.documents + 1)
    article = np.repeat(np.arange(len(placed)), lengths)
    order = np.lexsort((terms, -np.log1p(counts) * rarity, article))  # by article, best first
    rank = np.arange(len(order)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kept = order[rank < INDEX_TERMS]
    for index, term in zip(article[kept].tolist(), terms[kept].tolist(), strict=True):
        found[placed[index].article_id].append(term)
    return {article_id: sorted(chosen) for article_id, chosen in found.items()}


def candidate_stories(
    indexed: Mapping[str, Sequence[int]],
    stories_indexed: Sequence[tuple[int, str]],
    frequencies: Frequencies,
) -> set[str]:
    """The stories the new articles may join: for each article (its `index_terms`), the
    CANDIDATES stories indexed under the rarest of its terms (summed rarity of the terms they
    share with it; ties by story id).

    `stories_indexed` pairs each term with each story indexed under it. A story that shares
    fewer of an article's distinctive terms than the CANDIDATES best is, in practice, never
    the closest: this keeps a build's cost to the day's news however long the stories grow.
    """
    if not stories_indexed:
        return set()
    pair_terms = np.asarray([term for term, _ in stories_indexed], dtype=np.int64)
    story_ids, pair_stories = np.unique([s for _, s in stories_indexed], return_inverse=True)
    terms, pair_columns = np.unique(pair_terms, return_inverse=True)
    by_term = sparse.csr_matrix(
        (np.ones(len(pair_terms)), (pair_columns, pair_stories)),
        shape=(len(terms), len(story_ids)),
    )
    rarity = idf(frequency_of(frequencies, terms) + 1, frequencies.documents + 1)
    rows, columns = [], []
    for row, chosen in enumerate(indexed.values()):
        wanted = np.asarray(chosen, dtype=np.int64)
        at = np.minimum(np.searchsorted(terms, wanted), len(terms) - 1)
        found = at[terms[at] == wanted]
        rows += [row] * len(found)
        columns += found.tolist()
    articles = sparse.csr_matrix(
        (rarity[columns], (rows, columns)), shape=(len(indexed), len(terms))
    )
    scores = sparse.csr_matrix(articles @ by_term)
    kept: set[int] = set()
    for row in range(scores.shape[0]):
        start, end = scores.indptr[row], scores.indptr[row + 1]
        stories, score = scores.indices[start:end], scores.data[start:end]
        if len(stories) > CANDIDATES:  # best score first, then the lower story id
            stories = stories[np.lexsort((stories, -score))[:CANDIDATES]]
        kept.update(stories.tolist())
    return {str(story_ids[i]) for i in kept}


def frequency_of(frequencies: Frequencies, terms: np.ndarray) -> np.ndarray:
    """The stored document frequency of each of these terms (0 for a term not given)."""
    if not frequencies.of:
        return np.zeros(len(terms), dtype=np.int64)
    known = np.fromiter(frequencies.of.keys(), np.int64, len(frequencies.of))
    counts = np.fromiter(frequencies.of.values(), np.int64, len(frequencies.of))
    order = np.argsort(known)
    known, counts = known[order], counts[order]
    at = np.minimum(np.searchsorted(known, terms), len(known) - 1)
    return np.where(known[at] == terms, counts[at], 0)


@dataclass
class _Stories:
    """Running story state: centroid sums, their squared lengths, their last dates and sizes."""

    ids: list[str]
    sums: sparse.csr_matrix  # one row per story: the sum of its articles' unit vectors
    norms2: np.ndarray  # |S|² of each row
    last: np.ndarray  # POSIX time of each story's newest article
    places: list[frozenset[int]]  # the streets each story's articles name (hashed)
    window: float  # seconds
    threshold: float
    assigned: dict[str, str]
    sizes: np.ndarray  # articles in each story (of those at hand: at most MEMBERS stored)
    crossing: Crossing | None = None  # stories in several languages at hand (`digest.crossing`)

    @classmethod
    def of(
        cls,
        placed: list[Placed],
        vectors: sparse.csr_matrix,
        settings: StorySettings,
        marked: _Marked,
        crossing: Terms | None = None,
        spoken: np.ndarray | None = None,
    ) -> _Stories:
        """The stories of the stored articles, `marked` holding the streets they name (with
        maybe those of articles after them)."""
        ids = sorted({p.story_id for p in placed if p.story_id is not None})
        index = {story: i for i, story in enumerate(ids)}
        rows = np.array([index[p.story_id] for p in placed if p.story_id], dtype=np.int64)
        sums = sparse.csr_matrix(membership(rows, len(ids)) @ vectors)
        last = np.full(len(ids), -math.inf)
        np.maximum.at(last, rows, np.array([p.published.timestamp() for p in placed]))
        places = _places_of_stories(*marked.streets(), rows, len(ids))
        window = timedelta(days=settings.window_days).total_seconds()
        sizes = np.bincount(rows, minlength=len(ids)).astype(np.float64)
        stories = cls(
            ids, sums, row_norms2(sums), last, places, window, settings.threshold, {}, sizes
        )
        if crossing is not None and spoken is not None:
            languages = spoken[: len(placed)][[bool(p.story_id) for p in placed]]
            stories.crossing = Crossing.of(crossing, rows, vectors, languages, stories.norms2)
        return stories

    def place(
        self, chunk: list[Placed], vectors: sparse.csr_matrix, spoken: np.ndarray | None = None
    ) -> None:
        """Place date-ordered new articles one by one, moving centroids exactly as they join.

        x·S for a story is x·(its sum before the chunk) plus x·x_j for each article j of the
        chunk that joined it already, so no per-article sparse work is needed.
        """
        size, known = len(chunk), len(self.ids)
        before = np.zeros((size, known))
        if known:
            before = (self.sums @ vectors.T).T.toarray()
        among = (vectors @ vectors.T).toarray()
        norms2 = np.concatenate([self.norms2, np.zeros(size)])
        last = np.concatenate([self.last, np.full(size, -math.inf)])
        sizes = np.concatenate([self.sizes, np.zeros(size)])
        ids, taken = [*self.ids], set(self.ids)
        choice = np.empty(size, dtype=np.int64)
        lowest = BUSY_SHARE * self.threshold  # the least cosine that takes a story
        crossing = (
            self.crossing.chunk(vectors, spoken) if self.crossing and spoken is not None else None
        )
        for i, article in enumerate(chunk):
            count, when = len(ids), article.published.timestamp()
            dots = np.zeros(count + 1)  # one more: the story this article may start
            dots[:known] = before[i]
            if i:
                dots[:count] += np.bincount(choice[:i], weights=among[i, :i], minlength=count)
            where = places_of(article.features)
            crossed = None
            if crossing:  # stories at hand in several languages
                # Its safeguard holds for every cosine that may take a story, a busy one's too.
                crossed = crossing.cosines(i, dots[:count], norms2[:count], lowest)
            best = self._best(
                dots[:count], norms2[:count], last[:count], when, where, crossed, sizes[:count]
            )
            if best < 0:
                best = count
                ids.append(_new_story_id(article.article_id, taken))
                taken.add(ids[-1])
                self.places.append(frozenset())
            self.places[best] |= where
            norms2[best] += 2 * dots[best] + among[i, i]
            last[best] = max(last[best], when)
            sizes[best] += 1
            choice[i] = best
            if crossing:
                crossing.join(i, best, dots[best], choice[:i])
            self.assigned[article.article_id] = ids[best]
        self.sizes = sizes[: len(ids)]
        self._grow(ids, choice, vectors, norms2[: len(ids)], last[: len(ids)], crossing)

    def _best(
        self,
        dots: np.ndarray,
        norms2: np.ndarray,
        last: np.ndarray,
        when: float,
        where: frozenset[int],
        crossed: tuple[np.ndarray, np.ndarray] | None = None,
        sizes: np.ndarray | None = None,
    ) -> int:
        """The index of the story to join, or -1 to start one.

        The closest story, when its cosine reaches the threshold (`_needed`: less for a busy
        story, of `sizes` articles) and the streets named do not disagree: an article and a
        story that both name streets but none in common are reports of two events (two
        shootings in one city), unless their words are as alike as OTHER_STREETS says.
        `crossed` holds the stories with articles in another language than the article's, and
        its cosine with each on what both can hold (`Chunk.cosines`), which stands for the plain
        one when higher.
        """
        if not len(dots):
            return -1
        cosines = dots / np.sqrt(np.maximum(norms2, 1e-12))
        if crossed is not None:  # stories in other languages: compared on what both can hold
            stories, seen = crossed
            cosines[stories] = np.maximum(cosines[stories], seen)
        cosines[last < when - self.window] = -1.0
        best = int(np.argmax(cosines))  # the first of equals: the oldest story, deterministically
        busy = sizes is not None and sizes[best] >= BUSY_ARTICLES
        if cosines[best] < self._needed(busy, when - last[best]):
            return -1
        named = self.places[best]
        other_streets = where and named and where.isdisjoint(named)
        return -1 if other_streets and cosines[best] < OTHER_STREETS else best

    def _needed(self, busy: bool, age: float) -> float:
        """The cosine a story needs of an article: the threshold, or BUSY_SHARE of it when the
        story is busy (`busy`: BUSY_ARTICLES articles or more) and its newest article is within
        BUSY_DAYS of the article's date (`age`, in seconds; negative for a report dated before
        it: one dated months before a busy story is no report of its week)."""
        if busy and abs(age) <= timedelta(days=BUSY_DAYS).total_seconds():
            return BUSY_SHARE * self.threshold
        return self.threshold

    def _grow(
        self,
        ids: list[str],
        choice: np.ndarray,
        vectors: sparse.csr_matrix,
        norms2: np.ndarray,
        last: np.ndarray,
        crossing: Chunk | None = None,
    ) -> None:
        """Add a placed chunk to the centroid sums."""
        self.sums = grown_sums(self.sums, len(ids), choice, vectors)
        self.ids, self.norms2, self.last = ids, norms2, last
        if self.crossing and crossing:
            self.crossing.grow(len(ids), choice, crossing)


def _places_of_stories(
    blobs: np.ndarray, streets: np.ndarray, rows: np.ndarray, stories: int
) -> list[frozenset[int]]:
    """The streets the articles of each story name (hashed), `rows` giving the story (0 to
    `stories` - 1) of each article: from all the streets at once and the article naming each
    (`blobs`), not article by article (most name none)."""
    at = blobs < len(rows)  # the streets of the articles after them are left out
    named: dict[int, set[int]] = {}
    for row, street in zip(rows[blobs[at]].tolist(), streets[at].tolist(), strict=True):
        named.setdefault(row, set()).add(street)
    places: list[frozenset[int]] = [frozenset()] * stories
    for row, where in named.items():
        places[row] = frozenset(where)
    return places


def _new_story_id(article_id: str, taken: set[str]) -> str:
    story = "s" + article_id[:12]
    suffix = 1
    while story in taken:  # an id prefix shared with a story still in the window
        suffix += 1
        story = f"s{article_id[:12]}-{suffix}"
    return story
