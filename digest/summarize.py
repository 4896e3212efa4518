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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from digest.config import BriefSettings
from digest.errors import ConfigError
from digest.language import stemmer, stop_words
from digest.models import Article, Brief, BriefSentence, History, Story
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
    # With no sentence to choose (all told before, say), no method need look at the story.
    selection = method(text, budget or brief_budget(settings)) if text.eligible.any() else None
    sentences = brief_sentences(text, selection) if selection else ()
    history = story.history
    return Brief(
        story_id=story.id,
        headline=headline(text, selection),
        articles=sources_listed(text.articles, sentences, history if settings.updates else None),
        sentences=sentences,
        first_seen=first_reported(story),
        previous=history.last if history else None,
        read_before=history is not None,
    )


def sources_listed(
    articles: tuple[Article, ...], sentences: Sequence[BriefSentence], history: History | None
) -> tuple[Article, ...]:
    """The articles a brief lists as its sources, in story order: every article of a story
    told whole; of an update (`history`: what its reader read), the articles that are news and
    the earlier ones its sentences cite. A story followed for months would otherwise list every
    report of it in each day's issue, though the digests before told the reader of them."""
    known = history.known if history else frozenset()
    cited = {source for sentence in sentences for source in sentence.sources}
    return tuple(a for a in articles if a.id not in known or a.id in cited)


@dataclass(frozen=True, slots=True)
class BriefApart:
    """A brief without its articles, which the caller holds already: what a worker process
    sends back (the articles' text is most of a brief's bytes)."""

    without_articles: Brief
    order: tuple[int, ...]  # the brief's articles, as places in the story's

    def brief(self, story: Story) -> Brief:
        """The brief, with the story's own articles."""
        articles = tuple(story.articles[place] for place in self.order)
        return replace(self.without_articles, articles=articles)


def summarize_apart(story: Story, settings: BriefSettings) -> BriefApart:
    """`summarize`, its articles given as their places in `story.articles`."""
    brief = summarize(story, settings)
    place = {id(article): index for index, article in enumerate(story.articles)}
    order = tuple(place[id(article)] for article in brief.articles)
    return BriefApart(replace(brief, articles=()), order)


def first_reported(story: Story) -> datetime | None:
    """When the story was first reported, as its reader first read of it: the earliest date of
    the articles it held when a digest first showed it (`History.first_read`; all its articles
    before, and for `digest brief --after`, which has no digest's day to keep: a new file dated
    before those read was reported first), else the day the first digest showed it; None for a
    story of undated articles not shown yet (the digest's own time).

    So the day never moves once shown: a later article dated earlier does not move it back. A
    date after the article was received (a clock or a feed ahead of time) is no day the story
    was reported by: such an article counts as undated.
    """
    history = story.history
    held = history.first_read if history and history.first_read else None
    dates = [
        a.published
        for a in story.articles
        if a.published
        and (held is None or a.id in held)
        and (a.received is None or a.published <= a.received)
    ]
    if dates:
        return min(dates)
    return history.coverages[0].generated_at if history and history.coverages else None


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
        if index != to_be_cut and not text.dangling[index]:  # chosen, so eligible: tested
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
    """The story's headline from its articles' titles (`story_headline`), or the brief's top
    sentence when no article has a title.

    In an update, the titles are those of the new articles: the headline follows the latest
    development. A story told in several languages takes the titles in its brief's language
    (that of its top sentence), when any is.
    """
    fresh = set(text.article_of[text.fresh].tolist()) if text.updating else None
    titled = [
        (a.title, text.languages[i])
        for i, a in enumerate(text.articles)
        if (a.title or "").strip() and (fresh is None or i in fresh)
    ]
    if len({code for _, code in titled}) > 1 and selection and selection.chosen:
        language = text.languages[text.article_of[selection.chosen[0]]]
        titled = [entry for entry in titled if entry[1] == language] or titled
    if titled:
        return story_headline(titled)
    return text.texts[selection.chosen[0]] if selection and selection.chosen else ""


# A title that is not a headline: an explainer's ("Hospital cyberattack: what patients need to
# know", "Q&A: …", "Live updates: …") or a page's section label read as a title ("Moon Space").
_NOT_A_HEADLINE = re.compile(
    r"\bwhat (?:\w+ ){0,3}(?:need|needs|should|must) to know\b|\bwhat we know\b|"
    r"\beverything (?:\w+ ){0,2}need to know\b|\bexplain(?:er|ed)\b|^q ?& ?a\b|\bq ?& ?a$|"
    r"^live(?: updates| blog)?\s*[:|-]|\blive updates\b|\bat a glance\b|\bin (?:pictures|photos)\b|"
    r"^how to\b|^(?:photos|video|watch|listen|opinion|analysis|podcast)\s*[:|-]",
    re.IGNORECASE,
)
MIN_HEADLINE_WORDS = 4  # "Moon Space", "World News", "Business Live" are labels


def reads_as_headline(title: str) -> bool:
    """True for a title that states an event: not a section label, not an explainer's title."""
    title = title.strip()
    return len(title.split()) >= MIN_HEADLINE_WORDS and not _NOT_A_HEADLINE.search(title)


def story_headline(titles: Sequence[tuple[str, str]]) -> str:
    """The headline of a story from its articles' (title, language), oldest first.

    Titles that read as headlines are preferred (`reads_as_headline`); among them, the one
    sharing most words with the others (stemmed, stop words left out: what most outlets call the
    event), the newest on a tie, so two reports of a story are headed by the latest development.
    `digest stories` and the digest use this same rule.
    """
    titles = [(t.strip(), language) for t, language in titles if (t or "").strip()]
    if not titles:
        return ""
    candidates = [t for t in titles if reads_as_headline(t[0])] or titles
    stems = [_title_stems(t, language) for t, language in titles]
    scores = []
    for title, language in candidates:
        own = _title_stems(title, language)
        closeness = sum(
            len(own & other) / math.sqrt(len(own) * len(other)) for other in stems if own and other
        )
        scores.append(closeness)
    best = max(scores)
    # The newest of the best: titles come oldest first.
    return next(
        c for c, s in zip(reversed(candidates), reversed(scores), strict=True) if s >= best - 1e-9
    )[0]


def _title_stems(title: str, language: str) -> frozenset[str]:
    stem, stops = stemmer(language), stop_words(language)
    return frozenset(stem(w.lower()) for w in words(title) if w.lower() not in stops)
