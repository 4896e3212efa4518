"""The briefs' fast paths give what the plain code gives: whole prose told without trying rules a
sentence cannot match, denials whose content words are stemmed only when needed, names compared
only between sentences that both name someone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest import prose
from digest.models import Article, Story
from digest.summarizers.story_text import StoryText, denial_of, disagree, other_names


def _whole_prose_rule_by_rule(text: str) -> bool:
    """`is_whole_prose` as first written: every furniture hint and notice rule tried."""
    tokens = text.split()
    count = len(tokens)
    ends = (text.rstrip(prose._CLOSERS) or " ")[-1] in prose._ENDERS
    if not prose.MIN_WORDS <= count <= prose.MAX_WORDS or not ends:
        return False
    if (
        text.count('"') % 2
        or text.count("“") != text.count("”")
        or text.count("(") != text.count(")")
    ):
        return False
    if sum(map(str.isupper, tokens)) > 0.5 * count:
        return False
    lowered = text.lower()
    furniture = any(map(lowered.__contains__, prose._FURNITURE_HINTS)) or any(
        map(lowered[: prose._OPENER_CHARS].__contains__, prose._FURNITURE_OPENERS)
    )
    return not (furniture and prose._NOT_PROSE_RULES.search(text, lowered)) and not (
        prose._NOT_ARTICLE_RULES.search(lowered)
    )


PROSE_PIECES = st.sampled_from(
    ["The council", "approved", "the budget", "on Friday", "photo", "(AP Photo/Tom Reyes)",
     "Sign up for our newsletter", "Keep it civil", "unsubscribe from this list", "cookies",
     "Advertisement", "Read more:", "click here", "this article", "Getty Images", "You can",
     "Wir verwenden Cookies", "síguenos en", "tous droits réservés", "Follow us on", "ſ", "İ",
     "said", "Make", "File", "\u2014", ",", " ", ".", "!", '"', "“", "”"]
)  # fmt: skip


@given(st.lists(st.one_of(PROSE_PIECES, st.text(max_size=6)), max_size=30).map(" ".join))
def test_whole_prose_is_what_every_rule_tried_finds(text):
    assert prose.is_whole_prose(text) == _whole_prose_rule_by_rule(text)
    assert prose.is_whole_prose(text + ".") == _whole_prose_rule_by_rule(text + ".")


def test_every_notice_rule_requires_a_string_the_gate_looks_for():
    assert prose._NOTICE_STRINGS  # else every sentence would be searched rule by rule
    notice = "You can unsubscribe from this list at any time, the paper said."
    assert not prose.is_whole_prose(notice) and not _whole_prose_rule_by_rule(notice)


DENIAL_SENTENCES = st.lists(
    st.sampled_from(
        ["The", "bridge", "will", "not", "reopen", "on", "Friday", "John", "Smith", "Mark",
         "Jones", "arrested", "police", "denied", "no", "one", "was", "hurt", "and", "until",
         "didn't", "Mr.", "said", "but", ";", ",", "never", "only", "Boston"]
    ),
    min_size=4,
    max_size=14,
).map(lambda chosen: " ".join(chosen) + ".")  # fmt: skip


@given(st.lists(DENIAL_SENTENCES, min_size=2, max_size=6))
def test_denials_and_names_part_sentences_as_the_plain_rules_do(sentences):
    article = Article("a", "a.txt", None, None, None, None, " ".join(sentences), "en")
    text = StoryText(Story("s", (article,)))
    denials = [denial_of(t, "en") for t in text.texts]
    for first in range(len(text)):
        for second in range(len(text)):
            assert text._disagree(first, second) == disagree(denials[first], denials[second])
            expected = other_names(
                text._names_of(first),
                text._names_of(second),
                text._names_around(first),
                text._names_around(second),
            )
            assert text._other_names(first, second) == expected
