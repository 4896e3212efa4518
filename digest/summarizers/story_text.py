"""A story's sentences, tokenized once and shared by every summarizer.

Each sentence is split, stemmed and checked once here; the summarizers and the near-duplicate
search then work on flat numpy arrays (an `Incidence`: which sentence holds which word or
concept), never on pairs of sentences in Python. Most stories are a few dozen sentences and a
daily build briefs thousands of them, so nothing here builds scipy matrices, whose checks and
conversions cost more per call than all the arithmetic of a small story: products are
`np.bincount` over the entries, as fast per entry on a 2,000-sentence story.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain, groupby
from operator import itemgetter

import numpy as np
from scipy import sparse

from digest.language import LANGUAGES, detect_language, stemmer, stop_words
from digest.models import Article, Sentence, Story
from digest.sentences import sentences_of, words

MIN_WORDS = 6  # shorter "sentences" are bylines, captions, fragments or chatter
MAX_WORDS = 100  # longer ones are run-on lists or splitter failures
# Cosine of binary content-word vectors above which two sentences report the same thing: reworded
# wire copy scores 0.7-0.9, two different facts about the same event rarely pass 0.5.
NEAR_DUPLICATE = 0.6
MIN_CONTENT_WORDS = 3  # too few words to tell a repeat from a coincidence
# Share of a sentence's content words, found in one sentence a reader has seen (or in the
# sentences shown), from which on the sentence tells them nothing new.
COVERED = 0.75

# "LONDON (AP) _", "BONN, Germany (AP) --", "NEW YORK _", "LONDON (Reuters) - ": a wire dateline
# left at a sentence start (a single hyphen only after the agency, where it cannot be a name's).
_DATELINE = re.compile(
    r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ.'/\- ]+(?:, [A-ZÀ-ÖØ-Þ][\w.\- ]*)?"  # LOS ANGELES/NEW YORK, State
    r"(?:, \w+\.? \d{1,2}|, \d{1,2}\.? \w+\.?)?\s*"  # , Nov. 3 / , 3 mars
    r"(?:\([A-Za-z .]+\)\s*(?:_|--?|—|–)|(?:_|--|—|–))\s+"
)
_CLOSERS = "\"'”’)]"
_ENDERS = ".!?…"
# Credits, captions and web furniture that readers sometimes leave inside an article's text.
# Each names the furniture itself ("enable JavaScript", "sign up for our newsletter", a credit in
# brackets), not a subject: a report about a browser, a photo agency, a copyright case, a
# newsletter or a site's use of cookies is prose.
_NOT_PROSE = re.compile(
    r"[(/|]\s*(?:AP|AFP|Reuters|Getty|EPA|file) (?:Photo|Images)\b|"
    r"\b(?:AP|AFP|Reuters|EPA) Photo\s*/|\bGetty Images\s*\)?\s*\.?$|\bfile photo\b|"
    r"(?:^|[(/|]\s*)photo(?:graph)?s? (?:by|credit|courtesy)\b|\(\s*(?:photo|image)s?\s*:|"
    r"^(?:caption|advertisement|read more|see also|continue reading)\b|"
    r"^(?:photo|image|video|related)s?\s*[:|]|"
    r"^related (?:stories|articles|coverage|content|links|posts)\b|"
    r"\bimage copyright\b|^(?:image|photo) (?:caption|credit)\b|\bcopyright\s*(?:©|\(c\)|\d{4})|"
    r"\bclick here\b|\ball rights reserved\b|©|\bmay not be published, broadcast\b|"
    r"^(?:sign up|subscribe)\b|\bsubscribe (?:now|today|here)\b|\bsign up (?:for|to) our\b|"
    r"\bthank you for (?:subscribing|signing up)\b|"
    r"\b(?:sign up|subscribe|register) (?:to|for) (?:our|the) (?:free )?(?:\w+ )?newsletter\b|"
    r"\bour (?:\w+ )?newsletters?\b|^newsletters?\s*[:|]|"
    r"\benabl(?:e|ing) javascript\b|\bjavascript (?:is disabled|must be enabled|is required to)\b|"
    r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|\b(?:our|the) use of cookies\b|"
    r"\bstores cookies on your\b|\bour cookie policy\b|\bcookie settings\b|"
    r"\b(?:update|upgrade) your (?:web )?browser\b|"
    r"\byour (?:web )?browser (?:does not|doesn't|is not|isn't)\b|"
    r"\bthis video is (?:unavailable|not available)\b|\bmedia playback is (?:unsupported|not)\b|"
    r"^share this (?:article|story)\b|^follow us on\b|\bturn off your ad ?blocker\b|"
    r"\bby continuing to (?:browse|use) (?:the|this|our) (?:web)?site\b|"
    r"^(?:watch|listen|pictured|more on this story)\s*:|\breporting by\b.{0,80}\bediting by\b|"
    r"\bthanks for (?:subscribing|signing up)\b|\bstory continues below\b|"
    r"\busing an ad ?blocker\b|\bdownload our app\b|\byour use of this (?:web)?site\b|"
    r"\bimage (?:source|caption),|\bphotograph:|\balready a subscriber\b|"
    r"\blimit of free articles\b|\b(?:delivered|straight) to your inbox\b|\benter your email\b|"
    r"\buse cookies to (?:personali[sz]e|improve|analy[sz]e|give|provide|ensure)\b|"
    r"^comments (?:(?:on|for) this (?:article|story|post|page) )?(?:are|have been|were) "
    r"(?:now )?(?:closed|disabled|turned off)(?: (?:on|for) this (?:article|story|post|page))?"
    r"\s*[.!]?$|"
    r"^(?:have|got) an? (?:news |story )?(?:tip|story idea)s?\b(?!-)[^?]{0,40}\?|"
    r"\be-?mail (?-i:us) at\b|^contact (?-i:us)(?: at\b|\s*:)|"
    r"\bsend (?-i:us) your (?:news )?tips\b|"
    r"\bthis (?:web)?(?:site|page|form) (?:is protected by|uses) recaptcha\b|"
    r"^our standards\s*:.{0,60}\btrust principles\b|"
    r"^file\s*[-–—]\s|^credits?\s*:|\bcontributed (?:reporting|to this report)\b|"
    r"^click to (?:expand|enlarge|view|see)\b|^download (?:the|our)\b.{0,40}\bapp\b",
    re.IGNORECASE | re.ASCII,  # ASCII: "ſ" must not match "s" where str.lower() keeps it
)
# Words one of which every _NOT_PROSE match holds: a cheap test first, the regex only then. Those
# of the second tuple matter only at a sentence's start (the alternatives anchored with "^").
_FURNITURE_HINTS = ("photo", "image", "copyright", "©", "click", "rights", "broadcast", "sign up",
                    "subscrib", "signing up", "newsletter", "javascript", "cookie", "browser",
                    "video", "playback", "blocker", "continuing to", "editing by",
                    "continues below", "our app", "use of this", "free articles", "your inbox",
                    "your email", "recaptcha", "mail us", "send us", "contributed")  # fmt: skip
_FURNITURE_OPENERS = ("caption", "advertisement", "read more", "see also", "continue reading",
                      "related", "share this", "follow us", "watch", "listen", "pictured",
                      "more on this story", "comments", "have a", "got a", "contact us",
                      "our standards", "file", "credit", "download")  # fmt: skip
_OPENER_CHARS = 20  # the longest opener is 18 characters
# A photo credit standing alone, "(AP Photo/Tom Reyes)": the sentence before it in its paragraph
# is the photo's caption.
_CREDIT_ALONE = re.compile(
    r"^[(\[]\s*[^()\[\]]{0,60}\b(?:photo|image)s?\b[^()\[\]]{0,60}[)\]]\s*\.?$", re.IGNORECASE
)
# Page furniture glued to the front of a real sentence when a page was flattened to text:
# "Advertisement Continue reading the main story The council ...", "Please enable JavaScript to
# watch this video The council ...". Only the furniture goes, and only when a sentence (a capital,
# a digit or a quotation mark) follows it; the sentence stays.
_LEAD_IN = re.compile(
    r"^(?:(?:photo )?advertisement(?: advertisement)*\s*(?:[-–—:]\s*)?"
    r"|continue reading(?: the main story| below)\s*"
    r"|(?:please )?enable javascript to (?:watch|view|play) this video\s*)"
    r"(?=(?-i:[A-Z0-9\"“'‘])|continue reading (?:the main story|below))",
    re.IGNORECASE | re.ASCII,
)

# A sentence opening like this points back at something the reader may not have seen.
_DANGLING_OPENER = re.compile(
    r"^[\"'“‘(]*\s*(?:he|she|it|they|him|her|his|its|their|them|this|that|these|those|such|"
    r"but|and|or|so|also|however|meanwhile|still|yet|then|thus|therefore|moreover|furthermore|"
    r"instead|nevertheless|nonetheless|besides|otherwise|"
    r"in addition|in contrast|as a result|at the same time|on the other hand|even so|after that)\b",
    re.IGNORECASE,
)
_PRONOUN_ATTRIBUTION = re.compile(
    r"\b(?:(?:he|she|they) (?:said|says|added|told|explained)|(?:said|says|added) (?:he|she))\b",
    re.IGNORECASE,
)
# Every _PRONOUN_ATTRIBUTION match holds one of these: scanning for them first is 20× cheaper.
_ATTRIBUTION_VERBS = ("said", "says", "added", "told", "explained")
_UNDATED = datetime.max.replace(tzinfo=UTC)


def strip_dateline(text: str) -> str:
    """A sentence without a wire dateline such as "LONDON (AP) _" at its start."""
    match = _DATELINE.match(text)
    if match and match.end() < len(text) and text[match.end()].isupper():
        return text[match.end() :]
    return text


def strip_lead_in(text: str) -> str:
    """A sentence without what does not belong to it at its start: page furniture such as
    "Advertisement Continue reading the main story", then a wire dateline. What is left is a
    slice of the sentence, so a brief still quotes its source word for word."""
    while text[:1] in "AaCcPp" and (match := _LEAD_IN.match(text)) and match.end() < len(text):
        text = text[match.end() :]  # "Advertisement Continue reading ..." is two lead-ins
    return strip_dateline(text)


def story_order(articles: Sequence[Article]) -> tuple[Article, ...]:
    """Articles sorted by published date (undated ones last), then id."""

    def key(article: Article) -> tuple[datetime, str]:
        published = article.published or _UNDATED
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return published, article.id

    return tuple(sorted(articles, key=key))


def is_whole_prose(text: str) -> bool:
    """True for a complete prose sentence: not a fragment, caption, credit or cut quotation."""
    return _whole_prose(text, text.split())


def _whole_prose(text: str, tokens: list[str]) -> bool:
    count = len(tokens)
    if not MIN_WORDS <= count <= MAX_WORDS or (text.rstrip(_CLOSERS) or " ")[-1] not in _ENDERS:
        return False
    if (
        text.count('"') % 2
        or text.count("“") != text.count("”")
        or text.count("(") != text.count(")")
    ):
        return False
    if sum(map(str.isupper, tokens)) > 0.5 * count:
        return False  # a shouted headline or a caption in capitals
    lowered = text.lower()
    furniture = any(map(lowered.__contains__, _FURNITURE_HINTS)) or any(
        map(lowered[:_OPENER_CHARS].__contains__, _FURNITURE_OPENERS)
    )
    return not (furniture and _NOT_PROSE.search(text))


def dangles(sentence: str) -> bool:
    """True when a sentence opens on a connective or a pronoun it cannot resolve on its own."""
    if _DANGLING_OPENER.match(sentence):
        return True
    attributes = any(map(sentence.lower().__contains__, _ATTRIBUTION_VERBS))
    return attributes and bool(_PRONOUN_ATTRIBUTION.search(sentence))


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted: `np.unique` without its fixed cost,
    which on a small story is ten times that of the sort."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


@dataclass(frozen=True, slots=True)
class Incidence:
    """A binary sentences × features matrix, as its entries: sentence `rows[k]` holds feature
    `columns[k]`.

    Entries are sorted by column, then row; so each row's columns come in increasing order too,
    and a product sums every row's terms in that order, on a story of any size.
    """

    rows: np.ndarray
    columns: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of_keys(
        cls, rows: np.ndarray, keys: np.ndarray, height: int
    ) -> tuple[Incidence, np.ndarray]:
        """The incidence of rows and the non-negative integer keys they hold (a pair may be
        listed more than once), and the key of each column, sorted. One sort does it all."""
        keys, rows = np.divmod(distinct(keys * height + rows), max(height, 1))
        new = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        columns = np.cumsum(new) - 1
        names = keys[new]
        return cls(rows, columns, (height, len(names))), names

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """The matrix times a vector of column values: one sum per row."""
        return np.bincount(self.rows, weights=vector[self.columns], minlength=self.shape[0])

    def row_sizes(self) -> np.ndarray:
        return np.bincount(self.rows, minlength=self.shape[0])

    def by_row(self) -> list[list[int]]:
        """Each row's columns, in increasing order, as Python lists."""
        width = max(self.shape[1], 1)
        columns = (np.sort(self.rows * width + self.columns) % width).tolist()
        ends = np.cumsum(self.row_sizes()).tolist()
        return [columns[start:end] for start, end in zip([0, *ends], ends, strict=False)]


class Lexicon:
    """Every word met so far, per language, coded as its stem's number × 2, + 1 for a content word.

    Stems are numbered across languages (a name is one stem in every language). Stemming and the
    stop-word test run once per distinct word of the process, not once per occurrence.
    """

    LIMIT = 200_000  # words remembered before the lexicon starts over (about 40 MB)

    def __init__(self) -> None:
        self.stem_numbers: dict[str, int] = {}
        self.codes: dict[str, dict[str, int]] = {}
        self._learning = threading.Lock()

    def encode(self, tokens: list[str], language: str) -> np.ndarray:
        """The code of every token, in order."""
        known = self.codes.setdefault(language, {})
        try:
            return np.fromiter(map(known.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        except KeyError:
            self._learn(set(tokens).difference(known), language)
            return np.fromiter(map(known.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _learn(self, words: set[str], language: str) -> None:
        stem, stops = stemmer(language), stop_words(language)
        with self._learning:  # two threads must not give two stems one number
            for word in words:
                lowered = word.lower()
                number = self.stem_numbers.setdefault(stem(lowered), len(self.stem_numbers))
                # Stop words and small numbers say nothing about what a story is about.
                content = lowered not in stops and not (lowered.isdigit() and len(lowered) < 3)
                self.codes[language][word] = 2 * number + content


_lexicon = Lexicon()


def lexicon() -> Lexicon:
    """The process's lexicon; a new one once it holds too many words (memory stays bounded)."""
    global _lexicon
    if sum(map(len, _lexicon.codes.values())) > Lexicon.LIMIT:
        _lexicon = Lexicon()
    return _lexicon


class StoryText:
    """Every sentence of a story with its tokens, article, position and eligibility.

    For a story its reader has seen before (`story.history`, when `updates` is on), only the
    sentences of the articles that arrived since may be chosen, and none that repeats a sentence
    of the articles seen or is mostly made of the words of the sentences shown: the rest of the
    story is context (it still names the carriers of a sentence, and tells what is known).
    """

    def __init__(self, story: Story, language: str = "auto", *, updates: bool = True) -> None:
        self.articles = story_order(story.articles)
        self.languages = tuple(_language_of(a, language) for a in self.articles)
        self.sentences: list[Sentence] = []
        article_of: list[int] = []
        for index, article in enumerate(self.articles):
            found = sentences_of(article)
            self.sentences.extend(found)
            article_of.extend([index] * len(found))
        self.texts = [strip_lead_in(s.text) for s in self.sentences]
        self.article_of = np.asarray(article_of, dtype=np.int64)
        self.positions = np.asarray([s.position for s in self.sentences], dtype=np.int64)
        split = [t.split() for t in self.texts]
        self.lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        self.eligible = np.fromiter(
            map(_whole_prose, self.texts, split), dtype=bool, count=len(split)
        )
        history = story.history if updates else None
        seen = history.seen if history else frozenset()
        unseen = np.asarray([a.id not in seen for a in self.articles], dtype=bool)
        self.fresh = unseen[self.article_of] if len(unseen) else np.ones(0, dtype=bool)
        shown = set(history.shown) if history else set()
        self.shown = np.fromiter((t in shown for t in self.texts), dtype=bool, count=len(split))
        self._drop_captions()
        self._repeats: dict[int, np.ndarray] = {}  # near_duplicates, memoised
        self._tokenize()
        if not (self.eligible & self.fresh).any():
            self.eligible = self.lengths > 0  # a story of fragments still gets a brief
        self.eligible &= self.fresh
        if history is not None:
            self.eligible &= ~self._told_before()

    @property
    def updating(self) -> bool:
        """True when part of the story is context the reader has seen."""
        return not self.fresh.all()

    def _drop_captions(self) -> None:
        """A sentence followed, in its paragraph, by a photo credit alone is a caption."""
        for index in range(1, len(self.sentences)):
            sentence, before = self.sentences[index], self.sentences[index - 1]
            if (
                before.article_id == sentence.article_id
                and before.paragraph == sentence.paragraph
                and self.texts[index][:1] in "(["
                and _CREDIT_ALONE.match(self.texts[index])
            ):
                self.eligible[index - 1] = False

    def _tokenize(self) -> None:
        """Stem every word once: flat arrays of every token's stem and content flag, by sentence.

        A stem is the lexicon's number for it (the same in every story of the process).
        """
        tokens = [words(t) for t in self.texts]
        counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        self.token_sentence = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
        self._lexicon = lexicon()
        per_article = np.bincount(self.article_of, minlength=len(self.articles)).tolist()
        codes, start = [np.empty(0, dtype=np.int64)], 0
        for code, run in groupby(zip(self.languages, per_article, strict=True), key=itemgetter(0)):
            end = start + sum(count for _, count in run)  # articles in a row in one language
            codes.append(self._lexicon.encode(list(chain.from_iterable(tokens[start:end])), code))
            start = end
        coded = np.concatenate(codes)
        self.token_stems = coded >> 1
        self.token_content = (coded & 1).astype(bool)

    def __len__(self) -> int:
        return len(self.sentences)

    def stem_numbers(self, stems: Iterable[str]) -> np.ndarray:
        """The lexicon's numbers of those `stems` the story uses (the others are left out),
        sorted and distinct."""
        numbers, used = self._lexicon.stem_numbers, self._stems_used
        found = {number for stem in stems if (number := numbers.get(stem, -1)) in used}
        return np.asarray(sorted(found), dtype=np.int64)

    @cached_property
    def _stems_used(self) -> frozenset[int]:
        return frozenset(self.token_stems.tolist())

    @cached_property
    def language(self) -> str:
        """The language most of the story's articles are written in."""
        if not self.languages:
            return "en"
        counts = Counter(self.languages)
        return max(counts, key=lambda code: (counts[code], -self.languages.index(code)))

    @cached_property
    def _content(self) -> tuple[Incidence, np.ndarray]:
        content = self.token_content
        return Incidence.of_keys(self.token_sentence[content], self.token_stems[content], len(self))

    @property
    def content(self) -> Incidence:
        """Sentences × the story's content words (stems): which sentence holds which."""
        return self._content[0]

    @property
    def content_words(self) -> np.ndarray:
        """The lexicon's numbers of the stems of the columns of `content`, sorted."""
        return self._content[1]

    @cached_property
    def content_sizes(self) -> np.ndarray:
        """How many distinct content words each sentence holds."""
        return self.content.row_sizes()

    @cached_property
    def centroid(self) -> np.ndarray:
        """The sum of the sentences' unit-length binary content-word vectors."""
        norms = 1.0 / np.sqrt(np.maximum(self.content_sizes, 1))
        content = self.content
        return np.bincount(content.columns, weights=norms[content.rows], minlength=content.shape[1])

    def centrality(self) -> np.ndarray:
        """Each sentence's closeness to the rest of the story: the cosines of its binary
        content-word vector with every other sentence's, summed (its own, 1, left out: in a
        story of a dozen sentences it would drown the differences)."""
        sizes = self.content_sizes
        with_itself = self.content.dot(self.centroid) / np.sqrt(np.maximum(sizes, 1))
        return np.maximum(with_itself - (sizes > 0), 0.0)

    def near_duplicates(self, index: int) -> np.ndarray:
        """Indices of the sentences (any article, eligible or not) that repeat sentence `index`."""
        found = self._repeats.get(index)
        if found is None:
            found = self._repeats[index] = self._find_repeats(index)
        return found

    def _told_before(self) -> np.ndarray:
        """Sentences whose content words are all but a few (at most 1 - COVERED of them, or
        one) in a single sentence of the articles seen, or in the sentences shown together."""
        words, _, _ = self._repeat_test
        candidates = np.flatnonzero(self.eligible).tolist()
        told = np.zeros(len(self), dtype=bool)
        if not candidates:
            return told
        seen_rows = np.flatnonzero(~self.fresh)
        width = max(self.content.shape[1], 1)
        matrix = sparse.csr_matrix(
            (np.ones(len(self.content.rows)), (self.content.rows, self.content.columns)),
            shape=(len(self), width),
        )
        shared = (matrix[candidates] @ matrix[seen_rows].T).toarray()
        most = shared.max(axis=1, initial=0.0)
        shown_words = np.zeros(width)
        shown_words[[w for i in np.flatnonzero(self.shown).tolist() for w in words[i]]] = 1.0
        in_shown = matrix[candidates] @ shown_words
        for row, index in enumerate(candidates):
            size = len(words[index])
            allowed = max(1.0, (1.0 - COVERED) * size)
            told[index] = size >= MIN_CONTENT_WORDS and (
                size - most[row] <= allowed or size - in_shown[row] <= allowed
            )
        return told

    @cached_property
    def _repeat_test(self) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        sizes = self.content_sizes
        return self.content.by_row(), NEAR_DUPLICATE**2 * sizes, sizes >= MIN_CONTENT_WORDS

    def _find_repeats(self, index: int) -> np.ndarray:
        words, scaled_sizes, long_enough = self._repeat_test
        if not long_enough[index]:
            return np.asarray([index], dtype=np.int64)
        probe = np.zeros(self.content.shape[1])
        probe[words[index]] = 1.0
        shared = self.content.dot(probe)
        # Cosine of binary vectors, shared / √(size × size'), compared squared: no roots.
        repeats = (shared * shared >= scaled_sizes * len(words[index])) & long_enough
        repeats[index] = True
        return np.flatnonzero(repeats)


def _language_of(article: Article, setting: str) -> str:
    """The setting, or under "auto" the language found when the article was read (readers
    detect it), so a story is not detected twice."""
    if setting != "auto":
        return setting
    if article.language in LANGUAGES:
        return article.language
    return detect_language(article.text)
