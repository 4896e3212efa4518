"""Sentence splitting: abbreviations and quotations stay whole; sumy gets our tokenizer."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from digest import sentences
from digest.sentences import (
    SumyTokenizer,
    leading_paragraphs,
    sentence_spans,
    sentences_of,
    span_triples,
    split_paragraphs,
    split_sentences,
    words,
)

from .conftest import make_article


def test_abbreviations_initials_and_numbers_do_not_end_sentences():
    text = (
        "Mr. Jones met Sen. Ada Park at 3 p.m. on Jan. 5 in St. Louis. J. R. Tolkien wrote "
        "books. The price rose 3.5% to $4.20. Dr. Lee agreed."
    )
    assert split_sentences(text) == [
        "Mr. Jones met Sen. Ada Park at 3 p.m. on Jan. 5 in St. Louis.",
        "J. R. Tolkien wrote books.",
        "The price rose 3.5% to $4.20.",
        "Dr. Lee agreed.",
    ]


def test_quotations_of_several_sentences_stay_whole():
    text = '"This is wrong. It is very wrong," he said. “It works. Really,” she replied. Done.'
    assert split_sentences(text) == [
        '"This is wrong. It is very wrong," he said.',
        "“It works. Really,” she replied.",
        "Done.",
    ]


def test_a_quotation_opening_in_lower_case_starts_a_sentence():
    # Feeds that lower-case text and space out their quotes: blingfire does not cut before a
    # quote followed by a lower-case word, and once put a closing quote on the next sentence.
    text = (
        'The mayor spoke on Friday evening. " i will stay, " she said. " we start again. '
        'It is a new day. " The council left. He added: “the vote stands.” Then he went home.'
    )
    assert split_sentences(text) == [
        "The mayor spoke on Friday evening.",
        '" i will stay, " she said.',
        '" we start again. It is a new day. "',
        "The council left.",
        "He added: “the vote stands.”",
        "Then he went home.",
    ]


def test_no_cut_before_a_quotation_after_an_initialism_or_an_ellipsis():
    assert split_sentences('The U.S. "special relationship" holds.') == [
        'The U.S. "special relationship" holds.'
    ]
    assert split_sentences('Wait... "what?" he asked.') == ['Wait... "what?" he asked.']


def test_quotations_in_a_row_are_sentences_of_their_own():
    assert split_sentences("“Yes.” “Then go.” She left the room.") == [
        "“Yes.”",
        "“Then go.”",
        "She left the room.",
    ]
    assert split_sentences('"Stop." "Why?" she asked.') == ['"Stop."', '"Why?" she asked.']
    # ...but not after an abbreviation or an initialism closing a quotation.
    assert split_sentences("She wrote “Go to St.” “Mark” is next.") == [
        "She wrote “Go to St.” “Mark” is next."
    ]
    assert split_sentences('The "U.S." "deal" holds.') == ['The "U.S." "deal" holds.']


def test_a_closing_curly_quote_stays_with_its_sentence():
    assert split_sentences("She spoke. “ i am done. ” Then she left.") == [
        "She spoke.",
        "“ i am done. ”",
        "Then she left.",
    ]


def test_sentences_are_verbatim_slices_of_the_paragraph_in_order():
    text = 'One " two. " Three four. " five six. " Seven.  Eight? " nine " ten.'
    folded = " ".join(text.split())
    cursor = 0
    for sentence in split_sentences(text):
        at = folded.index(sentence, cursor)
        assert folded[cursor:at].strip() == ""  # nothing between two sentences is lost
        cursor = at + len(sentence)
    assert folded[cursor:].strip() == ""


PIECES = ['"', "“", "”", ".", "?", " ", "a", "B", "Mr.", "i", ",", "\x00", "U.S.", "..."]


@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_no_text_is_lost_or_changed(tokens):
    paragraph = "".join(tokens)
    assert "".join("".join(split_sentences(paragraph)).split()) == "".join(paragraph.split())
    assert all(sentence in " ".join(paragraph.split()) for sentence in split_sentences(paragraph))


def test_paragraphs_and_whitespace():
    assert split_paragraphs("One line\nwrapped.\n\n\n  Two.  \n") == ["One line wrapped.", "Two."]
    assert split_sentences("   ") == []


@given(
    st.lists(st.sampled_from(["a", "B.", " ", "\t", "\n", "\n\n", " \n \n ", "\x1c"]), max_size=40),
    st.integers(1, 4),
)
def test_the_leading_paragraphs_are_those_of_splitting_the_whole_text(tokens, count):
    text = "".join(tokens)
    assert leading_paragraphs(text, count) == split_paragraphs(text)[:count]


def test_sumy_tokenizer_is_offline_and_keeps_inner_hyphens():
    tokenizer = SumyTokenizer("english")
    assert tokenizer.to_sentences("A cat sat. A dog ran.") == ("A cat sat.", "A dog ran.")
    assert tokenizer.to_words("A well-known co-op's plan, 2026.") == (
        "A", "well-known", "co-op's", "plan", "2026",
    )  # fmt: skip
    assert words("naïve café") == ["naïve", "café"]


@given(st.lists(st.sampled_from([*PIECES, "\n\n", "\n", "  "]), max_size=60))
def test_the_spans_found_when_reading_give_the_sentences_of_splitting(tokens):
    text = "".join(tokens)
    plain = make_article(text)
    spans = sentence_spans(text)
    assert spans is not None  # every sentence is a slice of its paragraph
    assert sentences_of(replace(plain, spans=spans)) == sentences_of(plain)


def test_spans_of_another_text_or_splitter_are_not_trusted(monkeypatch):
    first = make_article("A short first paragraph here.\n\nAnd a second one here.")
    other = make_article("A short first paragraph HERE.\n\nAnd a second one HERE.")
    spans = sentence_spans(other.text)  # they fit the first text as well
    assert span_triples(other.text, spans) is not None
    assert span_triples(first.text, spans) is None
    assert sentences_of(replace(first, spans=spans)) == sentences_of(first)
    assert sentences_of(replace(first, spans=b"\x01\x02")) == sentences_of(first)
    mine = sentence_spans(first.text)
    monkeypatch.setattr(sentences, "SPANS_VERSION", sentences.SPANS_VERSION + 1)
    assert span_triples(first.text, mine) is None  # found by an earlier splitter: split again


def test_a_web_address_that_ends_a_sentence_ends_it():
    text = "Subscribe at www.harbour-review.co.uk. Rain fell on Carrow all day."
    assert split_sentences(text) == [
        "Subscribe at www.harbour-review.co.uk.",
        "Rain fell on Carrow all day.",
    ]
    # Abbreviations and initials with inner periods still end no sentence.
    for kept in ("The U.S. Army came at 8 a.m. Police said so.", "See e.g. The Times."):
        assert split_sentences(kept) == [kept]
