"""sumy's summarizers as sentence rankers, fed our offline tokenizer, stemmers and stop words."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.summarizers._summarizer import AbstractSummarizer, SentenceInfo
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from digest.language import LANGUAGES, stemmer, stop_words
from digest.sentences import SumyTokenizer
from digest.summarizers.selection import Budget, Selection, fill_from_ranking
from digest.summarizers.story_text import StoryText

# Edmundson's cue method needs words that mark a sentence as news and as hedging; sumy ships no
# list, so these are a small, general English set (the method is only as good as its cues).
BONUS_WORDS = ("announced", "confirmed", "agreed", "approved", "killed", "arrested", "elected",
               "decided", "ordered", "charged", "first", "major")  # fmt: skip
STIGMA_WORDS = ("perhaps", "maybe", "reportedly", "allegedly", "rumor", "rumour", "unclear",
                "speculation", "hardly")  # fmt: skip


class StableLsaSummarizer(LsaSummarizer):
    """sumy's LSA with its word rows in sorted order.

    sumy numbers the rows by iterating a frozenset, an order that changes with Python's hash
    seed; the SVD of the permuted matrix then ranks near-ties differently from run to run.
    """

    def _create_dictionary(self, document: ObjectDocumentModel) -> dict[str, int]:
        words = (self.normalize_word(w) for w in document.words)
        unique = sorted({self.stem_word(w) for w in words if w not in self._stop_words})
        return {word: row for row, word in enumerate(unique)}


def sumy_document(
    paragraphs: Sequence[Sequence[str]], language: str, headings: Sequence[str] = ()
) -> ObjectDocumentModel:
    """A sumy document of the given paragraphs of sentences, tokenized offline."""
    tokenizer = SumyTokenizer(LANGUAGES.get(language, "english"))
    heads = [SumySentence(h, tokenizer, is_heading=True) for h in headings if h.strip()]
    built = [Paragraph([SumySentence(s, tokenizer) for s in p]) for p in paragraphs]
    if heads:
        built.insert(0, Paragraph(heads))
    return ObjectDocumentModel(built)


def rank_sentences(summarizer: AbstractSummarizer, document: ObjectDocumentModel) -> list[int]:
    """Positions in `document.sentences`, best first, as `summarizer` rates them."""
    ranking: list[int] = []

    def keep_all(infos: list[SentenceInfo]) -> list[SentenceInfo]:
        # sumy hands its count callable the sentences sorted best first: one call ranks them all.
        ranking.extend(info.order for info in infos)
        return infos

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LSA warns when a story has fewer words than sentences
        summarizer(document, keep_all)
    return ranking


def build_summarizer(name: str, language: str) -> AbstractSummarizer:
    """sumy's summarizer `name`, with its defaults, our stemmer and our stop words."""
    cls = SUMY_CLASSES[name]
    summarizer = cls(stemmer(language))
    stops = stop_words(language)
    if isinstance(summarizer, EdmundsonSummarizer):
        summarizer.null_words = stops
        summarizer.bonus_words = BONUS_WORDS
        summarizer.stigma_words = STIGMA_WORDS
    else:
        summarizer.stop_words = stops
    return summarizer


class SumyRanker:
    """A brief method: rank a story's sentences with one of sumy's summarizers, then fill."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, text: StoryText, budget: Budget) -> Selection:
        ranking = self.rank(text)
        return fill_from_ranking(text, ranking, budget)

    def rank(self, text: StoryText) -> list[int]:
        """Indices of the story's sentences, best first."""
        paragraphs: list[list[str]] = []
        order: list[int] = []
        previous: tuple[int, int] | None = None
        for index, sentence in enumerate(text.sentences):
            key = (int(text.article_of[index]), sentence.paragraph)
            if key != previous:
                paragraphs.append([])
                previous = key
            paragraphs[-1].append(text.texts[index])
            order.append(index)
        titles = [a.title for a in text.articles if a.title]
        document = sumy_document(paragraphs, text.language, titles)
        summarizer = build_summarizer(self.name, text.language)
        return [order[position] for position in rank_sentences(summarizer, document)]

    def __repr__(self) -> str:
        return f"SumyRanker({self.name!r})"


SUMY_CLASSES: dict[str, Callable[..., AbstractSummarizer]] = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "lsa": StableLsaSummarizer,
    "luhn": LuhnSummarizer,
    "kl": KLSummarizer,
    "sumbasic": SumBasicSummarizer,
    "edmundson": EdmundsonSummarizer,
}
