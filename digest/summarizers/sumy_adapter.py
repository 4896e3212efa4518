"""sumy's summarizers and documents, fed our offline tokenizer, stemmers and stop words.

Importing this module imports sumy, and through it NLTK (about 2 s): only the sumy methods and
the evaluation import it, when they run.
"""

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


SUMY_CLASSES: dict[str, Callable[..., AbstractSummarizer]] = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "lsa": StableLsaSummarizer,
    "luhn": LuhnSummarizer,
    "kl": KLSummarizer,
    "sumbasic": SumBasicSummarizer,
    "edmundson": EdmundsonSummarizer,
}


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
    summarizer = SUMY_CLASSES[name](stemmer(language))
    stops = stop_words(language)
    if isinstance(summarizer, EdmundsonSummarizer):
        summarizer.null_words = stops
        summarizer.bonus_words = BONUS_WORDS
        summarizer.stigma_words = STIGMA_WORDS
    else:
        summarizer.stop_words = stops
    return summarizer
