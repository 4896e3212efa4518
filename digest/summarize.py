"""Story → Brief: choose sentences with a named method, merge repeats, order them, add a headline.

Every method (ours, "digest", and sumy's rankers) picks sentences from the same tokenized story
under the same budget, and every brief is finished the same way: each sentence cites every
article that carried it or a near-duplicate of it, sentences follow the articles' dates and their
positions, and the brief does not open on a sentence that leans on one before it.

A word budget is filled with whole sentences that fit; then one more sentence may run past it by
up to a tenth of the budget, when that leaves the brief closer to the budget than it was (a
120-word brief of 95 words wastes a fifth of its room; one of 125 words does not).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from digest.config import BriefSettings
from digest.errors import ConfigError
from digest.language import stemmer, stop_words
from digest.models import Brief, BriefSentence, Story
from digest.prose import dangles
from digest.sentences import words
from digest.summarizers.concepts import ConceptCoverage
from digest.summarizers.selection import Budget, Selection
from digest.summarizers.story_text import StoryText
from digest.summarizers.sumy_rankers import SUMY_METHODS, SumyRanker

BriefMethod = Callable[[StoryText, Budget], Selection]
OVERSHOOT = 0.1  # of the word budget: how far the last sentence may run past it

SUMMARIZERS: dict[str, BriefMethod] = {
    "digest": ConceptCoverage(),
    **{name: SumyRanker(name) for name in SUMY_METHODS},
}


def summarize(story: Story, settings: BriefSettings, *, budget: Budget | None = None) -> Brief:
    """The extractive brief of one story, by the method named in `settings`.

    `budget` replaces the one `settings` describe (the evaluation asks for briefs that stay
    within the limit, or that reach it).
    """
    method = summarizer_named(settings.method)
    text = StoryText(story, settings.language, updates=settings.updates)
    selection = method(text, budget or brief_budget(settings)) if len(text) else None
    sentences = brief_sentences(text, selection) if selection else ()
    history = story.history
    return Brief(
        story_id=story.id,
        headline=headline(text, selection),
        articles=text.articles,
        sentences=sentences,
        first_seen=history.coverages[0].generated_at if history and history.coverages else None,
        previous=history.last if history else None,
    )


def brief_budget(settings: BriefSettings) -> Budget:
    """The budget of a brief: its sentences, or its words with the last sentence's overshoot."""
    overshoot = round(OVERSHOOT * settings.words)
    return Budget(words=settings.words, sentences=settings.sentences, overshoot=overshoot)


def summarizer_named(name: str) -> BriefMethod:
    """The registered method `name`; an unknown name is a ConfigError listing the valid ones."""
    try:
        return SUMMARIZERS[name]
    except KeyError:
        valid = ", ".join(sorted(SUMMARIZERS))
        raise ConfigError(f"unknown brief method {name!r}; choose from {valid}") from None


def brief_sentences(text: StoryText, selection: Selection) -> tuple[BriefSentence, ...]:
    """The chosen sentences with their sources: the one that states the event first, then the
    story's order.

    The opener is the chosen sentence standing nearest an article's top (in any article that
    carried it or a repeat of it; the higher score breaks a tie) that does not open on a pronoun
    or a connective: news puts who, what and where first. A story's sentences are numbered by
    article (in date order), then position; every other sentence stands where its first carrier,
    the lowest-numbered one, stands (in an update, its first carrier among the new articles),
    and a dangling opener right after the sentence it leans on. In a brief its caller will cut
    (`overshoot=None`), the sentence that crosses the word budget goes last.
    """
    article_of = text.article_of.tolist()
    to_be_cut = selection.crossing if selection.budget.overshoot is None else None
    places: dict[int, tuple[int, ...]] = {}
    entries: dict[int, BriefSentence] = {}
    lead: list[tuple[int, int, int]] = []
    for rank, (index, score) in enumerate(zip(selection.chosen, selection.scores, strict=True)):
        carriers = text.near_duplicates(index).tolist()  # sorted
        fresh = [i for i in carriers if text.fresh[i]] or carriers
        places[index] = (len(text),) if index == to_be_cut else (fresh[0], index)
        sources = tuple(text.articles[a].id for a in dict.fromkeys(article_of[i] for i in carriers))
        entries[index] = BriefSentence(text.texts[index], sources, round(score, 6))
        if index != to_be_cut and not dangles(text.texts[index]):
            lead.append((int(text.positions[fresh].min()), rank, index))
    opener = min(lead)[2] if lead else None
    if opener is not None:
        places[opener] = (-1,)
    for index in selection.chosen:  # a dangling opener follows what it leans on
        before = text.antecedent(index)
        if index != to_be_cut and text.dangling[index] and before is not None:
            leaned_on = next(
                (c for c in selection.chosen if before in text.near_duplicates(c)), None
            )
            if leaned_on is not None and leaned_on != to_be_cut:
                places[index] = (*places[leaned_on], 1)
    return tuple(entries[i] for i in sorted(selection.chosen, key=places.__getitem__))


def headline(text: StoryText, selection: Selection | None) -> str:
    """The article title closest to the whole story, or the brief's top sentence without titles.

    In an update, the titles are those of the new articles: the headline follows the latest
    development.
    """
    fresh = set(text.article_of[text.fresh].tolist()) if text.updating else None
    titled = [
        (i, a.title.strip())
        for i, a in enumerate(text.articles)
        if (a.title or "").strip() and (fresh is None or i in fresh)
    ]
    if not titled:
        return text.texts[selection.chosen[0]] if selection and selection.chosen else ""
    if len(titled) == 1 or not len(text):
        return titled[0][1]
    centroid = dict(zip(text.content_words.tolist(), text.centroid.tolist(), strict=True))
    closeness = []
    for i, title in titled:
        stem, stops = stemmer(text.languages[i]), stop_words(text.languages[i])
        kept = (stem(w.lower()) for w in words(title) if w.lower() not in stops)
        stems = text.stem_numbers(kept).tolist()
        # The title's unit binary vector over the story's stems, times the story's centroid.
        closeness.append(sum(centroid.get(s, 0.0) for s in stems) / math.sqrt(max(len(stems), 1)))
    return titled[closeness.index(max(closeness))][1]
