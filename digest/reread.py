"""Stored articles read again against the evidence as it stands: what more outlets carried since
an article was stored is not quoted from it (a build and `digest explain` brief alike)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import replace

from digest.clean import (
    REPEATED_PARAGRAPH,
    both_forms,
    keyed_paragraphs,
    shared_furniture,
    without_furniture,
)
from digest.config import BriefSettings
from digest.models import Article, Story
from digest.store import Store

log = logging.getLogger(__name__)


def without_late_furniture(
    store: Store, stories: Sequence[Story], settings: BriefSettings, fresh: Collection[str]
) -> list[Story]:
    """The stories, each stored article a brief may quote from (one the reader has not seen)
    less what the evidence now calls boilerplate or furniture, by the rule of
    `pipeline.drop_repeated_paragraphs`: a notice that more outlets carried since an article was
    stored is not quoted from it.

    The articles of this build (`fresh`) were cleaned as they were stored, and the articles an
    update's reader saw are not read again, so the cost follows the build's news, not the
    store. The stored text stays as it is; an article that changes loses its spans (its
    sentences are split again).
    """
    read: dict[str, Article] = {}
    story_of: dict[str, frozenset[str]] = {}  # each article's story, by the ids it holds
    for story in stories:
        members = frozenset(a.id for a in story.articles)
        story_of.update((a.id, members) for a in story.articles)
        history = story.history if settings.updates else None
        # What the reader saw (or an earlier build passed over) is never quoted: it only tells
        # what is known, as it stood when shown. Every other article a brief reads.
        known = history.known if history else frozenset()
        read.update((a.id, a) for a in story.articles if a.id not in known)
    fresh = frozenset(fresh)  # a build's ids come as a tuple: 12,000 of them made this quadratic
    stored = [a for article_id, a in read.items() if article_id not in fresh]
    if not stored or not store.has_paragraph_counts():
        return list(stories)
    keyed = [(a, keyed_paragraphs(a.text, a.spans)) for a in stored]
    keys = {key for _, ps in keyed for p in ps for key in p.all_keys()}
    # Stored articles are evidence already (each was counted as it was stored): checked, with
    # their paragraphs' shapes (a sentence inside paragraphs needs FURNITURE_SOURCES sources).
    earlier = store.paragraph_carriers(both_forms(keys))
    checked = [ps for _, ps in keyed]
    furniture = shared_furniture((), earlier, store.articles_by_id, checked, stored=True)
    repeated = store.repeated_paragraphs(keys, REPEATED_PARAGRAPH)
    cleaned: dict[str, Article] = {}
    for article, paragraphs in keyed:
        # A paragraph the source repeats only within this story is its lead, told again in
        # each update of one developing story: news, not the source's boilerplate.
        own = {
            key
            for key in repeated.get(article.source or "", ())
            if any(
                carrier not in story_of[article.id]
                for source, carrier in earlier.get(key, ())
                if source == article.source
            )
        }
        if (kept := without_furniture(article, paragraphs, furniture, own)) is not article:
            cleaned[article.id] = kept
    if cleaned:
        log.debug("%d stored article(s) read with furniture found since left out", len(cleaned))
    return [
        replace(story, articles=tuple(cleaned.get(a.id, a) for a in story.articles))
        if any(a.id in cleaned for a in story.articles)
        else story
        for story in stories
    ]
