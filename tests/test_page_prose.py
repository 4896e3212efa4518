"""A saved page's prose paragraphs that neither extraction mode kept, but that stand among the
article's paragraphs, are read too; furniture standing there is not."""

from __future__ import annotations

import pytest

from digest.prose import is_whole_prose
from digest.readers.html import with_page_prose

KEPT = [
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring.",
    "Engineers found that two of the pier's timber piles had rotted through below the waterline.",
    "The board expects the repairs to cost about four million euros and to last six months.",
]
LEDE = (
    "It is a familiar scene at the harbour: commuters queue in the rain for the seven o'clock"
    " ferry. Most of them have never known another landing."
)
GAP = "Commuters will use a temporary landing stage beside the fish market while the work goes on."
SIDEBAR = "The town's library will open on Sundays from next month, the council said on Friday."


def page(*paragraphs: str, after: str = "") -> str:
    body = "".join(f"<p>{p}</p>" if not p.startswith("<") else p for p in paragraphs)
    return (
        "<html><body><nav><p>Home News Sport</p></nav><article><h1>Pier to close</h1>"
        f"{body}</article><div class='more'>{after}</div></body></html>"
    )


def test_an_opening_paragraph_and_one_between_the_article_s_are_read():
    html = page(LEDE, KEPT[0], KEPT[1], GAP, KEPT[2], after=f"<p>{SIDEBAR}</p>")
    assert with_page_prose(KEPT, html) == [LEDE, KEPT[0], KEPT[1], GAP, KEPT[2]]


def test_furniture_among_the_article_s_paragraphs_is_not_read():
    caption = "<figure><p>The old pier seen from the harbour wall on a winter morning.</p></figure>"
    label = "Read the board's report"
    html = page(KEPT[0], caption, KEPT[1], label, KEPT[2], after=f"<p>{SIDEBAR}</p>")
    assert with_page_prose(KEPT, html) == KEPT
    # A paragraph the page repeats is its own furniture, however well it reads.
    promo = "Check back every week for another of our reports from the harbour towns."
    assert with_page_prose(KEPT, page(KEPT[0], promo, KEPT[1], promo, KEPT[2])) == KEPT
    # Only a paragraph standing alone between two of the article's: not two in a row.
    two = page(KEPT[0], KEPT[1], SIDEBAR, GAP, KEPT[2])
    assert with_page_prose(KEPT, two) == KEPT


def test_a_page_that_does_not_hold_the_paragraphs_is_left_as_read():
    assert with_page_prose(KEPT, page(LEDE, "Something else entirely, said the page.")) == KEPT
    assert with_page_prose(KEPT[:1], page(LEDE, KEPT[0])) == KEPT[:1]


@pytest.mark.parametrize(
    ("sentence", "whole"),
    [
        ("In this image released by the harbour board, divers inspect the rotten piles.", False),
        ("In this March 3, 2026, photo, a ferry leaves the old pier in the early morning.",
         False),
        ("In this photo provided by the Navy, sailors stand on the deck of the ship.", False),
        ("Thanks, I have read the notice, don't show me again.", False),
        ("Harbour Notes is a weekly newsletter from the Courier that delivers the port's news.",
         False),
        # Reports naming the same things are prose.
        ("In this picture you can see the flooded square, the mayor told reporters.", True),
        ("The council said the photos released by police showed the damage to the bridge.", True),
        ("He said the newsletter from the union had warned members about the cuts.", True),
        ("In this city, photo radar cameras were installed on every main road last year.", True),
        ("Voters said they don't show up again unless the council listens to them.", True),
        ("In this case, images released by police show the van leaving the depot at night.", True),
        ("In this small town, photos taken by residents show streets under a metre of water.",
         True),
        ("Dockside Daily is a shipping newsletter from two former port clerks, and it first"
         " reported the sale.", True),
        ("Fans complained that the channels don't show this anymore on Sunday nights.", True),
    ],
)  # fmt: skip
def test_captions_pop_up_buttons_and_newsletter_promos_are_not_prose(sentence, whole):
    assert is_whole_prose(sentence) is whole


@pytest.mark.parametrize(
    "container",
    [
        "<div class='related-articles'><p>{}</p></div>",
        "<div class='newsletter-signup'><p>{}</p></div>",
        "<div class='image-wrapper'><p class='caption'>{}</p></div>",
        "<div id='breaking-news-banner'><p>{}</p></div>",
        "<section class='most-read'><p>{}</p></section>",
    ],
)
def test_what_a_page_names_as_furniture_is_not_read(container):
    teaser = container.format(SIDEBAR)
    assert with_page_prose(KEPT, page(KEPT[0], teaser, KEPT[1], KEPT[2])) == KEPT
    assert with_page_prose(KEPT, page(teaser, KEPT[0], KEPT[1], KEPT[2])) == KEPT


STANDFIRST = (
    "Repairs to the old pier will close it for six months. Commuters face a longer walk to the"
    " ferry."
)


@pytest.mark.parametrize(
    "container",
    ["<div class='dek'>{}</div>", "<div class='story-teaser'><p>{}</p></div>", "<p>{}</p>"],
)
def test_the_standfirst_the_page_declares_is_read_first(container):
    html = page(container.format(STANDFIRST), KEPT[0], KEPT[1], KEPT[2])
    assert with_page_prose(KEPT, html, STANDFIRST) == [STANDFIRST, *KEPT]
    # The description's text, whitespace and case aside.
    assert with_page_prose(KEPT, html, f"  {STANDFIRST.upper()} ") == [STANDFIRST, *KEPT]


def test_a_description_the_page_does_not_show_before_the_article_is_not_read():
    # Only in the page's head: not shown, nothing to add.
    assert with_page_prose(KEPT, page(KEPT[0], KEPT[1], KEPT[2]), STANDFIRST) == KEPT
    # Shown after the article's first paragraph: a summary box or a teaser, not the standfirst.
    late = page(KEPT[0], KEPT[1], f"<div class='dek'>{STANDFIRST}</div>", KEPT[2])
    assert with_page_prose(KEPT, late, STANDFIRST) == KEPT
    # Already the article's opening (the description is its first paragraph): not twice.
    assert with_page_prose(KEPT, page(KEPT[0], KEPT[1], KEPT[2]), KEPT[0]) == KEPT
    # A label is no standfirst, however the page declares it.
    label = "Pier repairs: what commuters need to know"
    labelled = page(f"<div class='dek'>{label}</div>", KEPT[0], KEPT[1], KEPT[2])
    assert with_page_prose(KEPT, labelled, label) == KEPT


def test_a_sites_tagline_above_the_headline_is_no_standfirst():
    tagline = "The Harbour Review has brought you the news of the harbour towns since 1921."
    html = (
        "<html><body><div id='masthead'><h1>Harbour Review</h1><div id='site-description'>"
        f"{tagline}</div></div><div id='main'><h1>Pier to close</h1>"
        + "".join(f"<p>{p}</p>" for p in KEPT)
        + "</div></body></html>"
    )  # a site that declares its tagline as every page's description
    assert with_page_prose(KEPT, html, tagline, "Pier to close | Harbour Review") == KEPT
    # Below the headline, the same block is the standfirst.
    below = page(f"<div class='dek'>{tagline}</div>", *KEPT)
    assert with_page_prose(KEPT, below, tagline, "Pier to close") == [tagline, *KEPT]


def test_no_other_block_is_set_apart_before_a_standfirst():
    note = "Our reporters are on the harbour front all week, with updates every hour until Friday."
    html = page(note, f"<div class='dek'>{STANDFIRST}</div>", *KEPT)
    assert with_page_prose(KEPT, html) == KEPT
    assert with_page_prose(KEPT, html, STANDFIRST) == [STANDFIRST, *KEPT]


def test_a_description_is_not_read_when_the_articles_paragraphs_are_not_on_the_page():
    differs = [f"{paragraph} [1]" for paragraph in KEPT]
    html = page(*KEPT, after=f"<p>{STANDFIRST}</p>")
    assert with_page_prose(differs, html, STANDFIRST) == differs
