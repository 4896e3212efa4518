"""Sentence splitting: abbreviations and quotations stay whole; sumy gets our tokenizer."""

from __future__ import annotations

from digest.sentences import SumyTokenizer, split_paragraphs, split_sentences, words


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


def test_paragraphs_and_whitespace():
    assert split_paragraphs("One line\nwrapped.\n\n\n  Two.  \n") == ["One line wrapped.", "Two."]
    assert split_sentences("   ") == []


def test_sumy_tokenizer_is_offline_and_keeps_inner_hyphens():
    tokenizer = SumyTokenizer("english")
    assert tokenizer.to_sentences("A cat sat. A dog ran.") == ("A cat sat.", "A dog ran.")
    assert tokenizer.to_words("A well-known co-op's plan, 2026.") == (
        "A", "well-known", "co-op's", "plan", "2026",
    )  # fmt: skip
    assert words("naïve café") == ["naïve", "café"]
