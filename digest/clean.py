"""Cleaning article text: stray whitespace and invisible characters, boilerplate lines, a press
release's closing matter and the wire dateline (their rules are in `prose`), and the hashes that
identify articles and paragraphs."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from digest.language import stop_words
from digest.models import Article
from digest.prose import (
    is_boilerplate,
    is_release_contact,
    names_the_medium,
    release_matter,
    strip_paragraph_dateline,
)
from digest.sentences import span_triples, split_paragraphs

# A run of spaces to fold into one " ": two or more, or one tab, no-break or wide space. A lone
# " ", most of them, is left as it is (replacing each by itself cost most of `normalize_text`).
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]{2,}|[\t\u00a0\u2000-\u200b\u3000]")
# Control and format characters (but not tab and newline), soft hyphens, zero-width marks, stray
# BOMs.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    r"\ufff9-\ufffb]"
)


def unify_line_ends(text: str) -> str:
    """Every line end (Windows "\\r\\n", classic Mac OS "\\r", Unix "\\n", mixed) as "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalize_text(text: str) -> str:
    """Unicode NFC, unified line ends and spaces, no control characters."""
    text = unify_line_ends(unicodedata.normalize("NFC", text))
    text = _fold_spaces(_INVISIBLE.sub("", text))
    return "\n".join(line.strip() for line in text.split("\n"))


def _fold_spaces(text: str) -> str:
    """Each run of spaces and tabs as one space (line ends are kept)."""
    if text.isascii() and "  " not in text and "\t" not in text:
        return text  # nothing to fold: told by two searches for a substring, not a scan
    return _SPACES.sub(" ", text)


def clean_body(text: str) -> str:
    """Article body as paragraphs separated by blank lines, with boilerplate removed."""
    lines = normalize_text(text).split("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if not is_boilerplate(line):
            current.append(line)
    paragraphs = paragraphs[: release_matter(paragraphs)]
    paragraphs = [p for p in paragraphs if not is_release_contact(p)]
    if paragraphs:
        paragraphs[0] = strip_paragraph_dateline(paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p.strip())


_NON_WORDS = re.compile(r"\W+")


def paragraph_key(paragraph: str) -> str:
    """A short hash of a paragraph, used to spot lines a source repeats in every article."""
    folded = _NON_WORDS.sub(" ", paragraph.casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


def content_id(title: str | None, text: str) -> str:
    """A stable article id derived from its title and cleaned text."""
    # Runs of whitespace as one space (str.split's whitespace is the regular expression's \s).
    folded = " ".join(f"{title or ''}\n{text}".casefold().split())
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


REPEATED_PARAGRAPH = 3  # a paragraph seen in this many articles of one source is boilerplate

# A paragraph that several unrelated articles of different sources carry word for word is
# furniture: a syndication note ("This article first appeared on ..."), a cookie or newsletter
# notice. (Articles about one event share paragraphs too, wire copy most of all: those are news,
# and their carriers are related.) The first and last sentences of a longer paragraph are keyed
# too, so a notice glued to prose is found as well, without splitting every paragraph; and a
# sentence inside it that has a notice's shape (`prose.names_the_medium`: "this article", "your
# inbox", a web address), which few sentences of news have: keying every one would grow the
# counts several times over.
FURNITURE_CARRIERS = 3  # unrelated articles carrying the same paragraph ...
FURNITURE_SOURCES = 2  # ... from at least this many sources
UNRELATED = 0.05  # two articles sharing a smaller share of their content words are unrelated
EARLIER_EXAMINED = 8  # at most this many stored carriers of a paragraph are read, per build
EDGE_WORDS = 4  # a paragraph's first or last sentence is keyed when it has this many words
# A carrier tells that it is about something else only with this many content words of its own
# (besides the key's): short updates that repeat a lead and add a line share all their topic
# words in the lead, and would look unrelated.
OWN_WORDS = 12


@dataclass(frozen=True, slots=True)
class Edge:
    """A sentence of a paragraph keyed on its own (its first, its last, or one inside it of a
    notice's shape, `inside`): its key (`edge_key`), text and place."""

    key: str
    text: str
    start: int
    end: int
    inside: bool = False


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of an article with its key and, when it has several sentences, the keys of
    its first and last ones and of those of a notice's shape (`paragraph_key` each)."""

    text: str
    key: str
    edges: tuple[Edge, ...] = ()  # the first sentence, those of a notice's shape, the last

    def all_keys(self) -> list[str]:
        return [self.key, *(edge.key for edge in self.edges)]

    def kept(self, dropped: Container[str], cut: Container[str] | None = None) -> str:
        """The paragraph, unless `dropped` names it, less each sentence keyed on its own that
        `cut` (by default `dropped`) names ("" when nothing is left)."""
        if self.key in dropped:
            return ""
        cut = dropped if cut is None else cut
        named = sorted(
            (edge.start, edge.end)
            for edge in self.edges
            if edge.key in cut or base_key(edge.key) in cut
        )
        if not named:
            return self.text
        pieces, at = [], 0
        for start, end in named:
            pieces.append(self.text[at:start].strip())
            at = max(at, end)
        pieces.append(self.text[at:].strip())
        return " ".join(piece for piece in pieces if piece)


def keyed_paragraphs(text: str, spans: bytes | None = None) -> list[Paragraph]:
    """An article's paragraphs (split on blank lines), keyed; with where its sentences lie
    (`Article.spans`, found when it was read), the first and last sentences of a paragraph of
    several, and those inside it of a notice's shape, are keyed too (each of EDGE_WORDS words
    or more): no second split."""
    paragraphs = text.split("\n\n")
    edges = edge_sentences(text, paragraphs, spans)
    return [Paragraph(p, paragraph_key(p), edges.get(i, ())) for i, p in enumerate(paragraphs)]


EDGE = "s:"  # the prefix of an edge sentence's key


def edge_key(sentence: str) -> str:
    """The key under which a source's sightings of a paragraph's first or last sentence are
    counted: apart from paragraphs' (a sentence glued to others never makes the paragraph it
    is alone elsewhere count as repeated). The test across sources, `shared_furniture`, counts
    both together (`base_key`): a notice is one, alone or glued."""
    return EDGE + paragraph_key(sentence)


def base_key(key: str) -> str:
    """The paragraph key of a key, an edge sentence's or a paragraph's."""
    return key.removeprefix(EDGE)


def both_forms(keys: Iterable[str]) -> set[str]:
    """Each key as a paragraph's and as an edge sentence's: what earlier carriers to look up."""
    return {form for key in keys for form in (base_key(key), EDGE + base_key(key))}


def edge_sentences(
    text: str, paragraphs: list[str], spans: bytes | None
) -> dict[int, tuple[Edge, ...]]:
    """The first and last sentences of each paragraph of several, and those between them
    that name the medium (`prose.names_the_medium`), by the paragraph's index, from the spans
    found for `text` (`sentences.span_triples`); none when there are none, or when the text's
    paragraphs are not already as the splitter numbers them (folded)."""
    triples = span_triples(text, spans)
    if triples is None or split_paragraphs(text) != paragraphs:
        return {}
    bounds: dict[int, list[tuple[int, int]]] = {}
    for number, start, end in triples:
        bounds.setdefault(number, []).append((start, end))
    edges = {}
    for number, found in bounds.items():
        if len(found) < 2:
            continue  # one sentence: the paragraph is its own key
        paragraph = paragraphs[number]
        inside = [(s, e) for s, e in found[1:-1] if names_the_medium(paragraph[s:e])]
        edges[number] = tuple(
            Edge(edge_key(sentence), sentence, start, end, (start, end) in inside)
            for start, end in (found[0], *inside, found[-1])
            if len((sentence := paragraph[start:end]).split()) >= EDGE_WORDS
        )
    return edges


def without_furniture(
    article: Article,
    paragraphs: Sequence[Paragraph],
    furniture: frozenset[str],
    boilerplate: Collection[str] = frozenset(),
) -> Article:
    """The article less its paragraphs that `furniture` (`shared_furniture`) or its source's
    `boilerplate` (paragraphs the source repeats) name, and less the sentences keyed on their
    own that `furniture` names (`Paragraph.kept`): the same object when it loses nothing, or
    would lose everything; else without its spans, which were found for the whole text."""
    dropped = furniture | set(boilerplate)
    kept = [text for p in paragraphs if (text := p.kept(dropped, furniture))]
    if kept and kept != [p.text for p in paragraphs]:
        return replace(article, text="\n\n".join(kept), spans=None)
    return article


# Stored articles that carried a paragraph before: (source, article id) by paragraph key.
EarlierCarriers = Mapping[str, Sequence[tuple[str, str]]]
LoadArticles = Callable[[Collection[str]], Mapping[str, Article]]


def shared_furniture(
    articles: Sequence[tuple[Article, Sequence[Paragraph]]],
    earlier: EarlierCarriers | None = None,
    load: LoadArticles | None = None,
    checked: Sequence[Sequence[Paragraph]] = (),
    *,
    stored: bool = False,
) -> frozenset[str]:
    """The keys (`paragraph_key`; an edge sentence's `base_key`) of the paragraphs and edge
    sentences that FURNITURE_CARRIERS articles carry, no two of which are about the same
    thing: from FURNITURE_SOURCES sources or more for a paragraph (one source's is its
    boilerplate, dropped without this test) and for a sentence only seen inside paragraphs,
    from any for a sentence only found glued to others as a first or last sentence (a line a
    source glues to every article; the lead a source repeats in the updates of one story is
    related, and a carrier of fewer than OWN_WORDS words of its own tells nothing).

    `articles` are this build's new articles, each with its paragraphs; `earlier` the stored
    articles that carried each key before (by source), which `load` reads by id; `checked` the
    paragraphs of new articles that are checked against that evidence but are none (articles
    without a source: their sightings cannot be told apart from a source's own; or, `stored`,
    stored articles read again, whose sightings are in `earlier` already and whose paragraphs'
    shapes count as the new articles' do). Only the
    carriers of a key seen often enough have their words compared (less the key's own), at
    most EARLIER_EXAMINED stored ones, a source at a time; so the test costs what the build's
    news costs, not what the store holds.
    """
    carriers, texts, several = _carriers(articles, checked, stored)
    several.update(key for key in earlier or {} if key == base_key(key))  # stored whole before
    before: dict[str, list[tuple[str, str]]] = {}  # by base key: alone or glued, one notice
    for key, found in (earlier or {}).items():
        before.setdefault(base_key(key), []).extend(found)
    stored: dict[str, list[tuple[str, str]]] = {}
    candidates = []
    for key, indices in carriers.items():
        previous = list(dict.fromkeys(before[key])) if key in before else None
        stored[key] = _by_turns(previous)[:EARLIER_EXAMINED] if previous else []
        if len(indices) + len(stored[key]) < FURNITURE_CARRIERS:
            continue
        sources = _sources(articles, indices) | {s for s, _ in stored[key]}
        if key not in several or len(sources) >= FURNITURE_SOURCES:
            candidates.append(key)
    wanted = {article_id for key in candidates for _, article_id in stored[key]}
    loaded = load(wanted) if load and wanted else {}
    content: dict[str, frozenset[str]] = {}  # each carrier's content words, once
    furniture = set()
    for key in candidates:
        carrying = [articles[index][0] for index in carriers[key]]
        carrying += [loaded[i] for _, i in stored[key] if i in loaded]
        if not carrying:
            continue
        sources = 1 if key not in several else FURNITURE_SOURCES
        if _unrelated_enough(carrying, texts[key], sources, content):
            furniture.add(key)
    return frozenset(furniture)


def _carriers(
    articles: Sequence[tuple[Article, Sequence[Paragraph]]],
    checked: Sequence[Sequence[Paragraph]] = (),
    shapes: bool = False,
) -> tuple[dict[str, list[int]], dict[str, str], set[str]]:
    """The articles (by index) carrying each key, each key's text, and the keys that need
    carriers of FURNITURE_SOURCES sources: whole paragraphs, and sentences only ever seen inside
    a paragraph (a notice's shape is no proof: a source's stock phrase in its reports is news).
    The keys of `checked` paragraphs get no carrier and decide nothing (they are no evidence),
    but for their shapes when `shapes` says so (stored articles read again)."""
    carriers: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    whole, glued, inside = set(), set(), set()
    numbered = [(index, paragraphs) for index, (_, paragraphs) in enumerate(articles)]
    for index, paragraphs in [*numbered, *((None, paragraphs) for paragraphs in checked)]:
        for paragraph in paragraphs:
            if index is not None or shapes:
                whole.add(paragraph.key)
                for edge in paragraph.edges:
                    (inside if edge.inside else glued).add(base_key(edge.key))
            edges = ((base_key(edge.key), edge.text) for edge in paragraph.edges)
            for key, text in ((paragraph.key, paragraph.text), *edges):
                texts.setdefault(key, text)
                indices = carriers.setdefault(key, [])
                if index is not None and (not indices or indices[-1] != index):
                    indices.append(index)
    return carriers, texts, whole | (inside - glued)


def _unrelated_enough(
    carrying: list[Article], text: str, sources: int, content: dict[str, frozenset[str]]
) -> bool:
    """True when FURNITURE_CARRIERS of these articles, from `sources` sources or more, are
    pairwise unrelated in their words other than `text`'s (taken greedily, in order)."""
    shared = _content_words(text, carrying[0].language)
    unrelated: list[tuple[str | None, frozenset[str]]] = []
    for article in carrying:
        if article.id not in content:
            content[article.id] = _content_words(article.text, article.language)
        words = content[article.id] - shared
        if len(words) < OWN_WORDS:
            continue
        if all(_overlap(words, other) < UNRELATED for _, other in unrelated):
            unrelated.append((article.source, words))
        found = {source for source, _ in unrelated if source}
        if len(unrelated) >= FURNITURE_CARRIERS and len(found) >= sources:
            return True
    return False


def _by_turns(carriers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Stored carriers taking turns by source: the first of each source, then the second..."""
    turns: dict[str, list[tuple[str, str]]] = {}
    for carrier in carriers:
        turns.setdefault(carrier[0], []).append(carrier)
    return [c for row in itertools.zip_longest(*turns.values()) for c in row if c is not None]


def _sources(articles: Sequence[tuple[Article, object]], indices: list[int]) -> set[str]:
    return {source for i in indices if (source := articles[i][0].source)}


def _content_words(text: str, language: str | None) -> frozenset[str]:
    stops = stop_words(language or "en")
    return frozenset(word for word in re.findall(r"\w{4,}", text.casefold()) if word not in stops)


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard: the share of the two sets' words they have in common."""
    return len(first & second) / max(len(first | second), 1)
