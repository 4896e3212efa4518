"""sumy's summarizers as brief methods: each ranks a story's sentences, then the brief is filled.

The names are known without importing sumy; sumy (and NLTK under it, about 2 s to import) is
imported from `sumy_adapter` only when a sumy method briefs a story.
"""

from __future__ import annotations

from digest.summarizers.selection import Budget, Selection, fill_from_ranking
from digest.summarizers.story_text import StoryText

SUMY_METHODS = ("lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic", "edmundson")


class SumyRanker:
    """A brief method: rank a story's sentences with one of sumy's summarizers, then fill."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, text: StoryText, budget: Budget) -> Selection:
        ranking = self.rank(text)
        return fill_from_ranking(text, ranking, budget)

    def rank(self, text: StoryText) -> list[int]:
        """Indices of the story's sentences, best first."""
        from digest.summarizers.sumy_adapter import build_summarizer, rank_sentences, sumy_document

        paragraphs: list[list[str]] = []
        previous: tuple[int, int] | None = None
        for index, sentence in enumerate(text.sentences):
            key = (int(text.article_of[index]), sentence.paragraph)
            if key != previous:
                paragraphs.append([])
                previous = key
            paragraphs[-1].append(text.texts[index])
        titles = [a.title for a in text.articles if a.title]
        document = sumy_document(paragraphs, text.language, titles)
        summarizer = build_summarizer(self.name, text.language)
        return rank_sentences(summarizer, document)  # sumy keeps the sentences' order

    def __repr__(self) -> str:
        return f"SumyRanker({self.name!r})"
