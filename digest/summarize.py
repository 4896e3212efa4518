"""Story → Brief: choose sentences with a named method, merge repeats, order them, add a headline.

Every method (ours, "digest", and sumy's rankers) picks sentences from the same tokenized story
under the same budget, and every brief is finished the same way: each sentence cites every
article that carried it or a near-duplicate of it, sentences follow the articles' dates and their
positions, and the brief does not open on a sentence that leans on one before it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digest.config import BriefSettings
from digest.errors import ConfigError
from digest.language import stemmer, stop_words
from digest.models import Brief, BriefSentence, Story
from digest.sentences import words
from digest.summarizers.concepts import ConceptCoverage
from digest.summarizers.selection import Budget, Selection, near_duplicates
from digest.summarizers.story_text import StoryText, binary_matrix, dangles, normalize_rows
from digest.summarizers.sumy_rankers import SUMY_CLASSES, SumyRanker

BriefMethod = Callable[[StoryText, Budget], Selection]

SUMMARIZERS: dict[str, BriefMethod] = {
    "digest": ConceptCoverage(),
    **{name: SumyRanker(name) for name in SUMY_CLASSES},
}


def summarize(story: Story, settings: BriefSettings) -> Brief:
    """The extractive brief of one story, by the method named in `settings`."""
    method = summarizer_named(settings.method)
    text = StoryText(story, settings.language)
    selection = (
        method(text, Budget(words=settings.words, sentences=settings.sentences))
        if len(text)
        else None
    )
    sentences = brief_sentences(text, selection) if selection else ()
    return Brief(
        story_id=story.id,
        headline=headline(text, selection),
        articles=text.articles,
        sentences=sentences,
    )


def summarizer_named(name: str) -> BriefMethod:
    """The registered method `name`; an unknown name is a ConfigError listing the valid ones."""
    try:
        return SUMMARIZERS[name]
    except KeyError:
        valid = ", ".join(sorted(SUMMARIZERS))
        raise ConfigError(f"unknown brief method {name!r}; choose from {valid}") from None


def brief_sentences(text: StoryText, selection: Selection) -> tuple[BriefSentence, ...]:
    """The chosen sentences with their sources, in date and position order."""
    entries = []
    for index, score in zip(selection.chosen, selection.scores, strict=True):
        carriers = near_duplicates(text, index)
        first = min(carriers, key=lambda i: (text.article_of[i], text.positions[i]))
        order = (int(text.article_of[first]), int(text.positions[first]), index)
        sources = tuple(text.articles[a].id for a in np.unique(text.article_of[carriers]))
        entries.append((order, BriefSentence(text.texts[index], sources, round(score, 6))))
    entries.sort(key=lambda entry: entry[0])
    ordered = [sentence for _, sentence in entries]
    return tuple(lead_with_independent(ordered))


def lead_with_independent(sentences: list[BriefSentence]) -> list[BriefSentence]:
    """Move the first sentence that stands on its own to the front, when the first one dangles."""
    if not sentences or not dangles(sentences[0].text):
        return sentences
    for position, sentence in enumerate(sentences):
        if not dangles(sentence.text):
            return [sentence, *sentences[:position], *sentences[position + 1 :]]
    return sentences


def headline(text: StoryText, selection: Selection | None) -> str:
    """The article title closest to the whole story, or the brief's top sentence without titles."""
    titled = [(i, a.title.strip()) for i, a in enumerate(text.articles) if (a.title or "").strip()]
    if not titled:
        return text.texts[selection.chosen[0]] if selection and selection.chosen else ""
    if len(titled) == 1 or not len(text):
        return titled[0][1]
    rows = [
        [stemmer(text.languages[i])(w.lower()) for w in words(title)
         if w.lower() not in stop_words(text.languages[i])]
        for i, title in titled
    ]  # fmt: skip
    titles = normalize_rows(binary_matrix(rows, text.vocabulary))
    centroid = np.asarray(text.content_vectors.sum(axis=0)).ravel()
    centrality = titles @ centroid
    return titled[int(np.argmax(centrality))][1]
