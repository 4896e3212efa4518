"""The fast paths give what the plain code gives: notice rules searched rule by rule, JSON written
by our own indenting writer, blingfire with a reused buffer, Markdown escaping, facts, terms; and
the settings that spare system time (the state's memory map, numpy without huge pages)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading

import blingfire
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import digest
from digest import prose
from digest.config import BriefSettings
from digest.literals import Alternatives, alternatives, required_literals
from digest.models import Article, Story
from digest.render import _MARKDOWN_NUMBERED, _MARKDOWN_SPECIAL, md_escape
from digest.schema import json_text
from digest.sentences import _blingfire_sentences, words
from digest.store import MMAP_BYTES, Store
from digest.summarize import summarize, summarize_apart
from digest.summarizers.story_text import (
    _NUMBER_WORDS,
    _TOKEN,
    SAME_FACTS,
    SAME_NUMBERS,
    SAME_NUMBERS_WORDS,
    SAME_WORDS,
    StoryText,
    facts,
    same_facts,
)
from digest.vectors import term_of, terms_of

# Pieces of the rules' own words, so that random texts do match some rules, and almost match.
RULE_WORDS = sorted(
    {
        word
        for rules in prose.NOT_ARTICLE.values()
        for rule in rules
        for word in re.findall(r"[a-zà-ÿ]+", rule)
    }
    | {"photo", "ap", "getty", "images", "click", "here", "copyright", "©", "twitter", "print"}
)
TEXT_PIECES = st.sampled_from([*RULE_WORDS, " ", " ", ", ", ". ", "(", ")", "/", ":", "|", "-"])
TEXTS = st.lists(
    st.one_of(TEXT_PIECES, TEXT_PIECES.map(str.upper), TEXT_PIECES.map(str.title), st.text()),
    max_size=30,
).map("".join)


@given(TEXTS)
def test_rules_searched_one_by_one_match_as_the_whole_pattern(text):
    for pattern in (prose._NOT_PROSE, prose._NOT_ARTICLE):
        rules = Alternatives(pattern)
        assert rules.search(text) is bool(pattern.search(text))
        assert rules.search(text, text.lower()) is bool(pattern.search(text))


def test_every_notice_rule_is_searched_alone_and_looks_for_its_own_words():
    rules = Alternatives(prose._NOT_ARTICLE)
    assert len(rules.rules) >= sum(map(len, prose.NOT_ARTICLE.values()))  # some rules are two
    assert all(required_literals(rule) for rule in rules.rules)
    # Each example holds the one rule's words; no other text is searched at all.
    assert rules.search("keep it civil, please")
    assert rules.search("den wochennewsletter abbestellen")  # German: inside a compound
    assert not rules.search("the tex12 issues for £5 were sold")  # from a word's start only


def test_alternatives_split_only_outside_groups_and_classes():
    assert alternatives(r"\b(?:a|b[|)])|(c|d)|e") == [r"\ba", r"\bb[|)]", "(c|d)", "e"]
    assert alternatives(r"x\|y") == [r"x\|y"]
    verbose = re.compile("ab  # a comment: x|y (not a rule\n | cd", re.VERBOSE)
    assert len(Alternatives(verbose).rules) == 1  # its comments are not cut
    assert [Alternatives(verbose).search(t) for t in ("xcd", "y (not", "ab")] == [True, False, True]


def test_required_literals_are_in_every_match():
    assert required_literals(re.compile("abc")) == [frozenset({"abc"})]
    assert required_literals(re.compile(r"(?:foo|bar)\d+baz")) == [
        frozenset({"baz"}),
        frozenset({"bar", "foo"}),
    ]
    assert required_literals(re.compile(r"(?:x)?y*")) == []  # nothing is required
    assert required_literals(re.compile("Abc", re.IGNORECASE)) == []  # Unicode folding: "K"
    assert required_literals(re.compile("Abc", re.IGNORECASE | re.ASCII)) == [frozenset({"abc"})]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_json_text_is_json_dumps_indented(value):
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def test_json_text_leaves_other_types_to_json_dumps():
    value = {"n": 3, 1: (True, 2.5)}  # a key that is not a string
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    with pytest.raises(TypeError):
        json_text({"when": object()})


SPLITTER_PIECES = st.sampled_from(
    ["Mr.", "Smith", "said", ".", "!", "?", '"', "“", "”", " ", "U.S.", "é", "東京", "\x00", "a"]
)


@given(st.lists(st.one_of(SPLITTER_PIECES, st.text()), max_size=40).map("".join))
def test_blingfire_with_one_buffer_splits_as_blingfire(text):
    assert _blingfire_sentences(text) == blingfire.text_to_sentences(text)


@pytest.mark.timeout(60)
def test_blingfire_buffers_are_per_thread():
    texts = [f"Sentence {n} is here. " * (n % 50 + 1) for n in range(300)]
    expected = [blingfire.text_to_sentences(t) for t in texts]
    failures = []

    def split_all() -> None:
        if [_blingfire_sentences(t) for t in texts] != expected:
            failures.append(threading.current_thread().name)

    threads = [threading.Thread(target=split_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures and not any(thread.is_alive() for thread in threads)


@given(st.lists(st.sampled_from([*"ab1 2.\\`*_{}[]<>#|~+&-;x\n٣", "&amp;", "1. "])))
def test_md_escape_substitutes_as_both_rules_would(pieces):
    text = "".join(pieces)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    assert md_escape(text) == _MARKDOWN_NUMBERED.sub(r"\1\\.", escaped)


def _facts_token_by_token(sentence: str, stops: frozenset[str]) -> frozenset[str]:
    """`facts` as first written: a regex for the possessive, each token lower-cased as needed."""
    found: set[str] = set()
    run: list[str] = []
    for token in [*_TOKEN.findall(sentence), "."]:
        if token[0].isupper() and token.lower() not in stops:
            run.append(re.sub(r"['’]s?$", "", token).lower())
            continue
        if run:
            found.add(" ".join(run))
            run = []
        if any(map(str.isdigit, token)) or token.lower() in _NUMBER_WORDS:
            found.add(token.rstrip(".").lower())
    return frozenset(found)


FACT_PIECES = st.sampled_from(
    ["The", "Port", "Ellis", "Carran's", "JOHN'S", "O’Neil’s", "2-1", "4.5", "²", "٣", "two",
     "Twelve", "U.S.", "I", "'s", "’", " ", " ", ", ", ". ", "ΑΣ", "İstanbul"]
)  # fmt: skip


@given(st.lists(st.one_of(FACT_PIECES, st.text(max_size=5)), max_size=25).map("".join))
def test_facts_are_those_found_token_by_token(sentence):
    stops = frozenset({"the", "i"})
    assert facts(sentence, stops) == _facts_token_by_token(sentence, stops)


@given(st.lists(st.one_of(FACT_PIECES, st.text(max_size=6)), max_size=25).map("".join))
def test_terms_of_a_text_are_its_words_terms(text):
    for language in ("en", "de"):
        expected = [term_of(word, language) for word in words(text)]
        assert terms_of(text, language).tolist() == expected


SENTENCE_WORDS = ["Port", "Ellis", "Carran", "Josh", "council", "bridge", "ferries", "storm",
                  "23", "two", "twelve", "4.5", "million", "said", "crossed", "the", "of", "and",
                  "repairs", "engineers", "Monday", "Harbour", "Street", "cost"]  # fmt: skip
STORY_SENTENCES = st.lists(st.sampled_from(SENTENCE_WORDS), min_size=6, max_size=14).map(
    lambda chosen: "The " + " ".join(chosen) + "."
)


@given(st.lists(st.lists(STORY_SENTENCES, min_size=1, max_size=5), min_size=1, max_size=4))
def test_restating_sentences_are_those_the_rules_find_among_all(articles):
    story = Story(
        "s",
        tuple(
            Article(f"a{n}", f"a{n}.txt", None, None, None, None, "\n\n".join(text), "en")
            for n, text in enumerate(articles)
        ),
    )
    text = StoryText(story)
    words = text.content.by_row()
    for index in range(len(text)):
        probe = np.zeros(text.content.shape[1])
        probe[words[index]] = 1.0
        shared = text.content.dot(probe)
        assert text._restating(index, shared) == _restating_among_all(text, index, shared, words)


def _restating_among_all(text, index, shared_words, words) -> list[int]:
    """The rules of `restates` with shared words, weighed for every other sentence."""
    stated = text._facts_of(index)
    if len(stated) < SAME_FACTS:
        return []
    sizes = np.minimum(text.content_sizes, len(words[index]))
    found = []
    for other in range(len(text)):
        theirs = text._facts_of(other)
        numbers = sum(1 for f in stated & theirs if f[0].isdigit() or f in _NUMBER_WORDS)
        common, fewest = int(shared_words[other]), int(sizes[other])
        if other != index and (
            (same_facts(stated, theirs) and common >= SAME_WORDS * fewest)
            or (
                numbers >= SAME_NUMBERS
                and common + numbers >= SAME_NUMBERS_WORDS * (fewest + numbers)
            )
        ):
            found.append(other)
    return found


def test_a_brief_sent_apart_comes_back_whole_with_the_story_s_own_articles():
    story = Story(
        "s",
        tuple(
            Article(f"a{n}", f"a{n}.txt", None, None, None, None, text, "en")
            for n, text in enumerate(
                [
                    "The council of Port Ellis met on Monday. It voted to rebuild the bridge.",
                    "Engineers said the repairs of the bridge would take about two months.",
                    "The council of Port Ellis met on Monday to vote on the new bridge.",
                ]
            )
        ),
    )
    settings = BriefSettings()
    apart = summarize_apart(story, settings)
    assert not apart.without_articles.articles  # the articles' text is not sent back
    whole = apart.brief(story)
    assert whole == summarize(story, settings)
    assert all(any(a is b for b in story.articles) for a in whole.articles)


def test_json_text_refuses_a_circular_value_as_json_does():
    circular: dict = {}
    circular["self"] = circular
    with pytest.raises(ValueError, match="Circular reference"):
        json_text(circular)


def test_a_pattern_whose_rules_refer_to_groups_is_searched_whole():
    pattern = re.compile(r"(a)|(b)\1")  # "bb" does not match: group 1 took no part
    assert Alternatives(pattern).search("bb") is bool(pattern.search("bb")) is False
    assert Alternatives(pattern).search("xa") is True


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("given", "expected"), [(None, "0 False"), ("1", "1 True")])
def test_numpy_asks_for_no_huge_pages_unless_the_environment_says(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if given is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = given
    script = (
        "import os, digest, numpy\n"
        "core = getattr(numpy, '_core', None) or numpy.core\n"
        "print(os.environ['NUMPY_MADVISE_HUGEPAGE'], core.multiarray._get_madvise_hugepage())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=50
    )
    assert done.stdout.strip() == expected, done.stderr


@pytest.mark.parametrize("given", [None, "1"])
def test_a_benchmark_runs_another_checkout_with_the_users_huge_page_setting(given, monkeypatch):
    from bench import year

    monkeypatch.setattr(digest, "HUGE_PAGES_GIVEN", given is not None)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", given or "0")  # "0": set by importing digest
    env = year.environment_for("/elsewhere")
    assert env.get("NUMPY_MADVISE_HUGEPAGE") == given and env["PYTHONPATH"] == "/elsewhere"


def test_the_state_is_read_through_a_memory_map(tmp_path):
    with Store.open(tmp_path / "state.sqlite3") as store:
        assert store.db.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_BYTES > 0
