"""`digest explain STORY`: why each sentence of a story's brief was chosen and why each article is
in the story.

The brief is summarized again from the stored story with the configured method, as the next
digest would do it. For each sentence: its score, its sources, and the sentences of other articles
it repeats (its carriers, which is why it cites them). For each article: how similar its terms are
to the rest of the story (the cosine of its clustering features to the mean of the others').
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from digest import cluster
from digest.config import Config
from digest.errors import DigestError
from digest.models import Article, Brief, BriefSentence, Story
from digest.outlets import credit
from digest.prose import NOT_QUOTABLE
from digest.render import citations, outlets
from digest.reread import without_late_furniture
from digest.store import Store, resolve_story_id
from digest.summarize import summarize
from digest.summarizers.selection import near_duplicates
from digest.summarizers.story_text import StoryText, story_order


@dataclass(frozen=True, slots=True)
class ArticleFit:
    """An article of the story and how well it matches the others."""

    number: int  # as cited in the digest: [1], [2], ...; after them, those it does not list
    article: Article
    similarity: float | None  # to the rest of the story; None when it is the only article


@dataclass(frozen=True, slots=True)
class Carrier:
    """A sentence of one article that the chosen sentence repeats (or is)."""

    number: int
    article: Article
    text: str


@dataclass(frozen=True, slots=True)
class SentenceChoice:
    sentence: BriefSentence
    rank: int  # 1 for the highest score of the brief
    carriers: tuple[Carrier, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    brief: Brief
    method: str
    articles: tuple[ArticleFit, ...]
    sentences: tuple[SentenceChoice, ...]
    update: bool = False  # the brief tells what is new since the story was last shown


def explain_story(config: Config, story_id: str) -> Explanation:
    """The brief of a stored story with the reasons for its sentences and articles."""
    store = Store.open_existing(config.paths.state)
    if store is None:
        raise DigestError(f"no story {story_id!r}: no story is stored yet (run `digest build`)")
    with store:
        titles = {info.id: info.title for info in store.story_infos()}
        [story] = store.stories([resolve_story_id(titles, story_id)])
        story = replace(story, history=store.histories([story.id]).get(story.id))
        # As the next digest would brief it: its stored articles read against the evidence as
        # it stands; and whole, when every article was shown.
        read = without_late_furniture(store, [story], config.brief, ())[0]
        brief = summarize(read, config.brief)
        update = config.brief.updates and story.history is not None
        if not brief.sentences:  # every article was shown: the story's whole brief
            whole = replace(config.brief, updates=False)
            read = without_late_furniture(store, [story], whole, ())[0]
            brief, update = summarize(read, whole), False
    # Every article of the story, not only those its brief lists (an update lists its news and
    # the earlier articles it cites): how well each fits the story is what is asked. Those the
    # digest lists come first, so that [1], [2], ... cite what they cite in the digest.
    listed = {article.id for article in brief.articles}
    others = tuple(a for a in story_order(read.articles) if a.id not in listed)
    brief = replace(brief, articles=brief.articles + others)
    fits = similarities(brief.articles)
    articles = tuple(
        ArticleFit(number, article, fit)
        for number, (article, fit) in enumerate(zip(brief.articles, fits, strict=True), start=1)
    )
    ranks = {id(s): rank for rank, s in enumerate(sorted(brief.sentences, key=_by_score), 1)}
    carriers = sentence_carriers(read, brief, config.brief.language, updates=update)
    sentences = tuple(
        SentenceChoice(s, ranks[id(s)], found)
        for s, found in zip(brief.sentences, carriers, strict=True)
    )
    return Explanation(brief, config.brief.method, articles, sentences, update)


def similarities(articles: tuple[Article, ...]) -> list[float | None]:
    """Cosine of each article's term features to the mean of the other articles' features.

    The features are those the clustering stores (hashed stemmed terms, title and lead weighted),
    weighted sublinearly; unlike the clustering, no corpus-wide rarity weight is applied.
    """
    if len(articles) < 2:
        return [None] * len(articles)
    matrix = cluster.term_matrix([cluster.features(article) for article in articles])
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix
    total = np.asarray(matrix.sum(axis=0)).ravel()
    dots = matrix @ total  # v·S, where v·v = 1
    rest_norms = np.sqrt(np.maximum(total @ total - 2 * dots + 1, 1e-12))
    return [round(float(x), 3) for x in (dots - 1) / rest_norms]


def sentence_carriers(
    story: Story, brief: Brief, language: str, *, updates: bool = True
) -> list[tuple[Carrier, ...]]:
    """For each sentence of the brief, the sentences of every article that carried it (of the
    articles the brief read: an update's context, or with `updates` off the whole story)."""
    text = StoryText(story, language, updates=updates)
    number = {article.id: index for index, article in enumerate(brief.articles, start=1)}
    first_index = {}
    for index, sentence in enumerate(text.texts):
        first_index.setdefault(sentence, index)
    found = []
    for sentence in brief.sentences:
        index = first_index.get(sentence.text)
        if index is None:  # not found again: name its sources only
            found.append(tuple(Carrier(n, a, "") for n, a in citations(brief, sentence)))
            continue
        carriers = []
        for carrier in near_duplicates(text, index):
            article = text.articles[int(text.article_of[carrier])]
            carriers.append(Carrier(number[article.id], article, text.texts[carrier]))
        found.append(tuple(sorted(carriers, key=lambda c: c.number)))
    return found


def describe(explanation: Explanation) -> str:
    """What `digest explain` prints."""
    brief = explanation.brief
    names = outlets(brief)
    kind = (
        f"an update brief (what is new since {brief.previous.digest})"
        if explanation.update and brief.previous
        else "a brief"
    )
    lines = [
        f"Story {brief.story_id}: {brief.headline}",
        f"{len(brief.articles)} article(s) from {len(names)} outlet(s); {kind} by the"
        f" {explanation.method!r} method, sentences in the order of the brief.",
        "",
        "Sentences (score: the method's value for it; rank: by score within this brief):",
    ]
    if not explanation.sentences:  # (an update with nothing new is explained whole)
        lines.append(f"  none: no sentence of its articles can be quoted ({NOT_QUOTABLE})")
    for number, choice in enumerate(explanation.sentences, start=1):
        # An article may carry the sentence and a near copy of it: cited once, shown for each.
        numbers = dict.fromkeys(c.number for c in choice.carriers)
        cited = "".join(f"[{n}]" for n in numbers) or "none"
        lines.append(
            f"{number:>3}. score {choice.sentence.score:.4f}, rank {choice.rank}; cites {cited}"
        )
        lines.append(f"     {choice.sentence.text}")
        for carrier in choice.carriers:
            who = f"[{carrier.number}] {credit(carrier.article)}"
            if carrier.text == choice.sentence.text or not carrier.text:
                lines.append(f"     from {who}")
            else:
                lines.append(f"     same news in {who}: {carrier.text}")
    lines += ["", "Articles (similarity of its terms to the rest of the story, 0 to 1):"]
    for fit in explanation.articles:
        article = fit.article
        similarity = f"{fit.similarity:.2f}" if fit.similarity is not None else "only"
        when = f"{article.published:%Y-%m-%d}" if article.published else "undated"
        lines.append(
            f"  [{fit.number}] {similarity:>5}  {credit(article)} · {when}"
            f" · {article.title or '(untitled)'}  ({article.file})"
        )
    return "\n".join(lines) + "\n"


def _by_score(sentence: BriefSentence) -> float:
    return -sentence.score
