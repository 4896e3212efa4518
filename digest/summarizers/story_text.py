"""A story's sentences, tokenized once and shared by every summarizer.

Each sentence is split, stemmed and checked once here; the summarizers and the near-duplicate
search then work on flat numpy arrays (an `Incidence`: which sentence holds which word or
concept), never on pairs of sentences in Python. Most stories are a few dozen sentences and a
daily build briefs thousands of them, so nothing here builds scipy matrices, whose checks and
conversions cost more per call than all the arithmetic of a small story: products are
`np.bincount` over the entries, as fast per entry on a 2,000-sentence story. (An update's test of
its new sentences against every sentence the reader saw is the one sparse product.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain, groupby
from operator import itemgetter

import numpy as np
from scipy import sparse

from digest.language import LANGUAGES, detect_language, stemmer, stop_words
from digest.models import Article, History, Sentence, Story
from digest.prose import dangles, is_photo_credit, is_whole_prose, strip_lead_in
from digest.sentences import leading_paragraphs, sentences_of, split_paragraphs, words
from digest.summarizers.incidence import Incidence
from digest.summarizers.lexicon import lexicon

# Cosine of binary content-word vectors above which two sentences report the same thing: reworded
# wire copy scores 0.7-0.9, two different facts about the same event rarely pass 0.5.
NEAR_DUPLICATE = 0.6
MIN_CONTENT_WORDS = 3  # too few words to tell a repeat from a coincidence
# Share of a sentence's content words, found in one sentence a reader has seen (or in the
# sentences shown), from which on the sentence tells them nothing new.
COVERED = 0.75

# Two sentences that share at least this many facts (names, numbers), and this share of all the
# facts either states, tell the same thing, in whatever words: "Ferrisford led through an early
# penalty from Josh Carran" and "Ferrisford had gone ahead when Josh Carran converted a penalty".
SAME_FACTS = 2
SAME_FACTS_SHARE = 0.6
# ... and at least this share of the content words of the shorter one: the same names doing
# something else ("The council of Port Ellis will ask for funds") are another fact.
SAME_WORDS = 0.6
# Numbers are the most specific facts: two sentences sharing two of them ("23 incidents, two of
# which …" and "23 customers …, and two of those cases …") tell the same thing with half the
# words of the shorter in common.
SAME_NUMBERS = 2
SAME_NUMBERS_WORDS = 0.5
_FEWEST_SHARED = min(SAME_FACTS, SAME_NUMBERS)  # facts two sentences share under either rule
_NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve dozen hundred hundreds thousand "
    "thousands million millions billion billions".split()
)
# Words and the punctuation between them: a name runs over capitalized words, not over a comma.
_TOKEN = re.compile(r"[\w'’.-]*\w|[^\w\s]")
# The counts a sentence states (`exact_numbers`). Times and scores ("10:30", "9 a.m.", "2:1")
# are left out, as are numbers that belong to a name ("COVID-19", "F-16", "A320", "G7") and
# years: two copies of one report write them in their own ways, or add them.
_NOT_COUNTS = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2})?\s?[ap]\.?\s?m\b\.?|\b\d{1,2}:\d{1,2}\b"
    r"|(?<=[A-Za-z])-?\d+|\d+(?=[A-Za-z])"
)
# Digits grouped by thousands ("12,000", "12 000", "1,234,567"): one number.
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[,\u00a0\u202f\u2009 ]\d{3})+(?![\d])")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")  # "4,5 per cent": 4.5
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:\s+(?:million|billion)\b)?", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_VALUES = {
    **{word: value for value, word in enumerate([*_UNITS, *_TEENS], 1)},
    **{word: 10 * value for value, word in enumerate(_TENS, 2)},
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_NUMBER_WORDS_RUN = re.compile(
    rf"(?<![\w-])(?:{'|'.join(_NUMBER_VALUES)})(?:[- ](?:{'|'.join([*_UNITS, *_SCALES])}))*"
    r"(?![\w])",
    re.IGNORECASE,
)
_POSSESSIVES = ("'s", "’s")
_WEEKDAY_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday"
    " lundi mardi mercredi jeudi vendredi samedi dimanche"
    " montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag"
    " lunes martes miércoles jueves viernes sábado domingo".split()
)
# Words of a capitalized run that are no one's name: offices and titles ("Prime Minister Ann
# Lee", "Mr. Smith"), and the calendar ("am Freitag Anna Weber").
_TITLES = frozenset(
    "mr mrs ms miss dr sir dame lord lady gen col maj capt lt sgt gov sen rep rev prof st"
    " president prime minister secretary chancellor mayor governor senator judge justice chief"
    " councillor councilman councilwoman officer detective inspector commissioner king queen"
    " prince princess pope bishop general colonel captain sergeant"
    " m mme mlle herr frau sr sra don doña".split()
)
_CALENDAR = _WEEKDAY_NAMES | frozenset(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Lower-case words inside a name: "Pieter van Dijk", "Rio de Janeiro", "Osama bin Laden".
_PARTICLES = frozenset("van von de der den del della di da du la le bin al ben".split())
# Prepositions before a day that make it a date, whatever follows ("am Dienstag Abend").
_ON_A_DAY = frozenset("on since until till by last next this every am seit bis le el".split())
# Verbs of a report's source: the name a closing attribution gives with one is whom the sentence
# quotes ("…, Mayor Elena Varga said."), not what it reports, and a copy may quote another.
_SAYING = frozenset(
    "said says told added stated wrote dit déclaré sagte sagt erklärte dijo afirmó declaró".split()
)
# "4 million": one number, the scale going with the digits before it (see `facts`).
_SCALE_WORDS = frozenset("hundred thousand million millions billion billions".split())
_ABBREVIATION = 4  # letters, at most, of a capitalized word a name runs on after: "Mr.", "Gen."
# Words that deny what a sentence says: "The bridge will reopen on Friday" and "The bridge will
# not reopen on Friday" share every content word (a negation is a stop word) and tell opposite
# things. By language; English also denies through "n't". French denies through "pas",
# "jamais", …, not "ne" alone, which may deny nothing ("ne rouvrira que vendredi": only on
# Friday; "avant qu'il ne pleuve").
# Not "without" and its kin: "left without power" and "lost power" tell one thing.
_DENIALS = {
    "en": frozenset("not no never none nobody nothing neither nor cannot".split()),
    "fr": frozenset("pas jamais aucun aucune rien ni".split()),
    "de": frozenset(
        "nicht kein keine keinen keinem keiner keines keinerlei keineswegs keinesfalls nie"
        " niemals nichts niemand niemanden niemandem weder".split()
    ),
    "es": frozenset("no nunca jamás ningún ninguna ninguno nada nadie ni tampoco".split()),
}
# Verbs that report a denial: what follows them is denied ("denied his country was involved"
# says "is not involved"), but the verb names no word of its own that the report denies.
_DENYING_VERBS = frozenset("deny denies denied refuse refuses refused".split())
# A word of denial followed by one of these denies nothing: "not only … but also", "not just",
# "none other than", "no doubt", "nicht nur", "no solo" ("No. 10" is a number too).
_NOT_DENYING_NEXT = frozenset("only just other doubt nur solo sólo".split())
# … nor one whose clause goes on to say when it did happen: "did not reach the coast until
# Tuesday" reached it.
_UNTIL = frozenset("until till".split())
# What a denial reaches: the rest of its clause ("… could not pick a winner; the rest backed
# Holm"; "No one was hurt, and the road will reopen"). Not a comma alone: "does not, for
# example, say" denies on.
_CLAUSE = re.compile(
    r"[;:()\u2014\u2013]|,\s+(?:and|et|und|y)\s|\s(?:but|while|whereas|mais|aber|pero)\s",
    re.IGNORECASE,
)

_UNDATED = datetime.max.replace(tzinfo=UTC)

# An update reads, of the articles its reader has seen, the newest, the carriers of what digests
# showed, and those sharing a title or a paragraph (of this many characters) with a new one.
CONTEXT_NEWEST = 20
MIN_PARAGRAPH = 40
COPY_PARAGRAPHS = 3  # of a seen article, the first, compared: a copy keeps its lead


def facts(sentence: str, stops: frozenset[str] = frozenset()) -> frozenset[str]:
    """The names and numbers a sentence states, lower-cased: runs of capitalized words (less
    stop words such as a leading "The") and numbers ("12", "2-1", "4.5")."""
    found: set[str] = set()
    run: list[str] = []
    number = ""  # the number the token before stated, if any
    for token in _TOKEN.findall(sentence):
        lowered = token.lower()
        if token[0].isupper() and lowered not in stops:
            number = ""
            # a possessive's "'s" is left out: a token ends with a word character
            run.append(token[:-2].lower() if token[-2:] in _POSSESSIVES else lowered)
            continue
        if run:
            found.add(" ".join(run))
            run = []
        if lowered in _SCALE_WORDS and number:
            found.discard(number)
            found.add(number := f"{number} {lowered}")
            continue
        number = ""
        if lowered in _NUMBER_WORDS or (not token.isalpha() and any(map(str.isdigit, token))):
            found.add(number := lowered.rstrip("."))
    if run:
        found.add(" ".join(run))
    return frozenset(found)


def restates(first: str, second: str, stops: frozenset[str] = frozenset()) -> bool:
    """True when two sentences state the same names and numbers (see SAME_FACTS), whatever
    their other words."""
    return same_facts(facts(first, stops), facts(second, stops))


def same_facts(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when two sets of facts are the same statement's: enough shared, and most of both."""
    shared = len(a & b)
    return shared >= SAME_FACTS and shared >= SAME_FACTS_SHARE * len(a | b)


def _is_number(fact: str) -> bool:
    """True for a fact (see `facts`) that is a number: "12", "2-1", "dozens"."""
    return fact[0].isdigit() or fact in _NUMBER_WORDS


def exact_numbers(sentence: str) -> frozenset[str]:
    """The counts a sentence states, written alike: "12,000", "12 000" and "twelve thousand" as
    "12000"; "4,5" as "4.5"; "1.2 million" as "1200000"; "twenty-three" as "23"; each number of
    "9-4" ("voted 9-4" and "by nine votes to four" state the same counts). Round words
    ("dozens", "thousands") and "one" (more often "one of them" than a count) state none; nor do
    times, scores, years and the numbers of names (see _NOT_COUNTS)."""
    text = _NOT_COUNTS.sub(" ", sentence)
    text = _GROUPED.sub(lambda m: re.sub(r"\D", "", m[0]), text)
    found = {_count(m[0]) for m in _NUMBER.finditer(_DECIMAL_COMMA.sub(".", text))}
    for run in _NUMBER_WORDS_RUN.findall(text):
        value = _spelled(run.lower().replace("-", " ").split())
        if value is not None:
            found.add(str(value))
    return frozenset(n for n in found if not _YEAR.fullmatch(n))


def _count(number: str) -> str:
    """A number of digits as `exact_numbers` writes it ("1.2 million": "1200000")."""
    digits, *scale = number.lower().split()
    if not scale:
        return digits
    value = float(digits) * _SCALES[scale[0]]
    return str(int(value)) if value.is_integer() else str(value)


def _spelled(words: list[str]) -> int | None:
    """The value of a number said in words ("three hundred", "twenty three"); None for "one"
    alone."""
    if words == ["one"]:
        return None
    total, part = 0, 0
    for word in words:
        if word in _SCALES:
            part = max(part, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, part = total + part, 0
        else:
            part += _NUMBER_VALUES[word]
    return total + part


def none_shared(first: frozenset[str], second: frozenset[str]) -> bool:
    """True when each of two sentences states a fact of one kind that the other does not:
    counts (`exact_numbers`: "12,000 homes lost power in the 2026 storm" and "power was restored
    to 10,500 homes after the 2026 storm"; "killed 3 and injured 40" and "killed 7 and injured
    40") or days of the week (`weekdays`: "approved the budget on Thursday", "named the
    contractor on Friday") are two statements, however many other words they share. A fact
    only one of them states parts nothing (a copy may add a count, a day)."""
    return bool(first - second) and bool(second - first)


def weekdays(sentence: str) -> frozenset[str]:
    """The days of the week a sentence names as dates, lower-cased ("Friday's vote": "friday"):
    after a preposition of time ("on Friday", "am Freitag Abend"), or with no capitalized word
    right beside it; not one inside a name ("the Sunday Times", "Black Friday", "Super Tuesday").
    Punctuation parts neighbours ("on Friday, Mayor Ann Lee said")."""
    tokens = _TOKEN.findall(sentence)
    found = set()
    for place, token in enumerate(tokens):
        day = token.lower().removesuffix("'s").removesuffix("’s")
        if day not in _WEEKDAY_NAMES:
            continue
        before = tokens[place - 1] if place > 0 else ""
        after = tokens[place + 1] if place + 1 < len(tokens) else ""
        # (the sentence's first word is capitalized whatever it is: "On Friday")
        beside = ([before] if place > 1 else []) + [after]
        if before.lower() in _ON_A_DAY or not any(w[:1].isupper() for w in beside):
            found.add(day)
    return frozenset(found)


def names_in(sentence: str, stops: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], ...]:
    """The names a sentence states that may tell it from another: its runs of capitalized
    words (as `facts` finds them, on over the full stop of a short word, "Mr. Smith", and over
    a particle, "Pieter van Dijk"), lower-cased, less offices, titles and the calendar ("Prime
    Minister Ann Lee": "ann lee"). Only runs of two words or more, or one after a title ("Mr.
    Smith"): a single capitalized word is as often a sentence's first word or a people's
    ("Police", "Chilean") as a name. Not the name a closing attribution quotes ("…, Mayor Elena
    Varga said."): whom a sentence quotes is not what it reports."""
    tokens = _TOKEN.findall(sentence)
    found: list[tuple[str, ...]] = []
    run: list[str] = []
    start = 0
    for place, token in enumerate([*tokens, ""]):
        lowered = token.lower()
        if token == "." and run and len(run[-1]) <= _ABBREVIATION:
            continue
        following = tokens[place + 1] if place + 1 < len(tokens) else ""
        if run and lowered in _PARTICLES and following[:1].isupper():
            run.append(lowered)
            continue
        if token[:1].isupper() and lowered not in stops:
            if not run:
                start = place
            run.append(token[:-2].lower() if token[-2:] in _POSSESSIVES else lowered)
            continue
        if run:
            name = _name_of(run, tokens, start, place)
            if name:
                found.append(name)
            run = []
    return tuple(found)


def _name_of(run: list[str], tokens: list[str], start: int, end: int) -> tuple[str, ...]:
    """The run `tokens[start:end]` as a name (see `names_in`), or () when it is none."""
    name = tuple(word for word in run if word not in _TITLES and word not in _CALENDAR)
    titled = len(name) < len(run) and any(word in _TITLES for word in run)
    if not name or not (len(name) > 1 or titled):
        return ()
    if _quoted_at_the_end(tokens, start, end):
        return ()
    return name


def _quoted_at_the_end(tokens: list[str], start: int, end: int) -> bool:
    """True when the name `tokens[start:end]` is whom a sentence's closing attribution quotes:
    "…, Ann Lee said.", "…, said Ann Lee.", "… according to Ann Lee." """
    rest = tokens[end:]
    if rest[:1] and rest[0].lower() in _SAYING:
        rest = rest[1:]
    elif not (start > 0 and tokens[start - 1].lower() in _SAYING) and tokens[
        max(start - 2, 0) : start
    ] != ["according", "to"]:
        return False
    return not any(token[:1].isalnum() for token in rest)


def other_names(
    first: Sequence[tuple[str, ...]],
    second: Sequence[tuple[str, ...]],
    around_first: Collection[str] = frozenset(),
    around_second: Collection[str] = frozenset(),
) -> bool:
    """True when each of two sentences names someone (`names_in`) the other does not: "Police
    arrested John Smith in Boston" and "Police arrested Mark Jones in Boston" are two
    statements. The other lacks a name when the name's last word is not among the words
    `around` it (lower-cased: its own and its paragraph's, whom its "she" is): "Smith", "Mr.
    Smith" and "John Smith" are one person. A name only one of them holds parts nothing (a copy
    may add a first name, an office, a place)."""
    return _name_lacking(first, around_second) and _name_lacking(second, around_first)


def _name_lacking(names: Sequence[tuple[str, ...]], words_around: Collection[str]) -> bool:
    return any(name[-1] not in words_around for name in names)


@dataclass(frozen=True, slots=True)
class Denial:
    """What a sentence denies (see `disagree`), as stems of content words."""

    keys: frozenset[str]  # the first word after each word of denial ("will not reopen": reopen)
    scope: frozenset[str]  # every word a denial reaches, to the end of its clause
    held: frozenset[str]  # all its content words


def denial_of(sentence: str, language: str = "en") -> Denial:
    """What a sentence denies: after each word of denial, the words to the end of its clause
    (those before it when none follows: "öffnet am Freitag nicht"), and the first of them."""
    return Denial(*denied_words(sentence, language), content_stems(sentence, language))


def denied_words(sentence: str, language: str = "en") -> tuple[frozenset[str], frozenset[str]]:
    """The `keys` and `scope` of a sentence's `Denial`, without its content words."""
    denials, stops = _DENIALS.get(language, _DENIALS["en"]), stop_words(language)
    stem = stemmer(language)
    keys: set[str] = set()
    scope: set[str] = set()
    for clause in _CLAUSE.split(sentence):
        tokens = [token.lower().replace("’", "'") for token in words(clause)]
        for place, token in enumerate(tokens):
            verb = token in _DENYING_VERBS
            if not (verb or _is_denial(token, denials)) or _denies_nothing(tokens, place):
                continue
            after = [stem(t) for t in tokens[place + 1 :] if _content(t, stops, denials)]
            before = [stem(t) for t in tokens[:place] if _content(t, stops, denials)]
            reached = after or before
            scope.update(reached)
            if reached and not verb:
                keys.add(reached[0] if after else reached[-1])
    return frozenset(keys), frozenset(scope)


def _denies_nothing(tokens: list[str], place: int) -> bool:
    """True for a word of denial that denies nothing: "not only", "No. 10", "not … until"."""
    following = tokens[place + 1] if place + 1 < len(tokens) else ""
    return (
        following in _NOT_DENYING_NEXT
        or following[:1].isdigit()
        or not _UNTIL.isdisjoint(tokens[place + 1 :])
    )


def content_stems(sentence: str, language: str = "en") -> frozenset[str]:
    """The stems of a sentence's content words (as `denial_of` counts them)."""
    denials, stops = _DENIALS.get(language, _DENIALS["en"]), stop_words(language)
    stem = stemmer(language)
    tokens = (token.lower().replace("’", "'") for token in words(sentence))
    return frozenset(stem(t) for t in tokens if _content(t, stops, denials))


def disagree(first: Denial, second: Denial) -> bool:
    """True when one sentence denies a word (the first its denial reaches) that the other holds
    and does not deny: "The bridge will reopen" and "The bridge will not reopen"; "a team has
    recovered part of the tail" and "neither team has recovered any debris". Two that deny the
    same words agree ("No hearing date has been set", "No date for this hearing has been set";
    "is not involved", "denied it was involved"), and a denial of what the other does not say
    parts nothing ("the rest could not pick a winner")."""
    return _denies_held(first.keys, second.scope, lambda: second.held) or _denies_held(
        second.keys, first.scope, lambda: first.held
    )


def _denies_held(
    keys: frozenset[str], other_scope: frozenset[str], other_held: Callable[[], frozenset[str]]
) -> bool:
    """True when a word one sentence denies (`keys`), and the other does not, is one the other
    holds; the other's content words (`other_held`) are found only when there is such a word."""
    denied = keys - other_scope
    return bool(denied and denied & other_held())


def _is_denial(token: str, denials: frozenset[str]) -> bool:
    return token in denials or token.endswith("n't")


def _content(token: str, stops: frozenset[str], denials: frozenset[str]) -> bool:
    short_number = token.isdigit() and len(token) < 3
    return token not in stops and not short_number and not _is_denial(token, denials)


def _told_across(a: frozenset[str], b: frozenset[str]) -> bool:
    """`same_facts` for two sentences in two languages, where no shared word tells "detained
    in Palermo" from "released in Palermo": the facts shared hold a number, or three names."""
    shared = a & b
    told = any(map(_is_number, shared)) or len(shared) >= 3
    return told and same_facts(a, b)


def story_order(articles: Sequence[Article]) -> tuple[Article, ...]:
    """Articles sorted by published date (undated ones last), then id."""

    def key(article: Article) -> tuple[datetime, str]:
        published = article.published or _UNDATED
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return published, article.id

    return tuple(sorted(articles, key=key))


class StoryText:
    """Every sentence of a story with its tokens, article, position and eligibility.

    For a story its reader has seen before (`story.history`, when `updates` is on), only the
    sentences of the articles that arrived since may be chosen, and none that repeats a sentence
    of the articles seen or is mostly made of the words of the sentences shown: the rest of the
    story is context (it still names the carriers of a sentence, and tells what is known).
    """

    def __init__(self, story: Story, language: str = "auto", *, updates: bool = True) -> None:
        self.articles = story_order(story.articles)
        self.languages = tuple(_language_of(a, language) for a in self.articles)
        history = story.history if updates else None
        read = context(self.articles, history) if history else range(len(self.articles))
        self.sentences: list[Sentence] = []
        article_of: list[int] = []
        for index in read:
            found = sentences_of(self.articles[index])
            self.sentences.extend(found)
            article_of.extend([index] * len(found))
        self.texts = [strip_lead_in(s.text) for s in self.sentences]
        self.article_of = np.asarray(article_of, dtype=np.int64)
        self.positions = np.asarray([s.position for s in self.sentences], dtype=np.int64)
        split = [t.split() for t in self.texts]
        self.lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        seen = history.seen if history else frozenset()
        known = history.known if history else seen
        unseen = np.asarray([a.id not in known for a in self.articles], dtype=bool)
        self.fresh = unseen[self.article_of] if len(unseen) else np.ones(0, dtype=bool)
        read_before = np.asarray([a.id in seen for a in self.articles], dtype=bool)
        # The sentences of the articles the reader read: what a candidate is told against.
        self.read = read_before[self.article_of] if len(unseen) else np.zeros(0, dtype=bool)
        self.eligible = np.zeros(len(split), dtype=bool)  # the context is never chosen: not tested
        for index in np.flatnonzero(self.fresh).tolist():
            self.eligible[index] = is_whole_prose(self.texts[index], split[index])
        shown = set(history.shown) if history else set()
        self.shown = np.fromiter((t in shown for t in self.texts), dtype=bool, count=len(split))
        self._drop_captions()
        self._repeats: dict[int, np.ndarray] = {}  # near_duplicates, memoised
        self._found_facts: dict[int, frozenset[str]] = {}  # _facts_of, memoised
        self._found_numbers: dict[int, frozenset[str]] = {}  # _numbers_of, memoised
        self._found_denials: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # _denied
        self._found_held: dict[int, frozenset[str]] = {}  # _held, memoised
        self._found_names: dict[int, tuple[tuple[str, ...], ...]] = {}  # _names_of, memoised
        self._found_days: dict[int, frozenset[str]] = {}  # _days_of, memoised
        self._found_around: dict[tuple[str, int], frozenset[str]] = {}  # _names_around
        self._lexicon = lexicon()
        self.eligible &= self.fresh
        if history is not None and self.eligible.any():
            if self._repeated_word_for_word().all():  # nothing new: no word need be stemmed
                self.eligible[:] = False
            else:
                self.eligible &= ~self._told_before()
                self.eligible &= ~self._shown_in_another_language()
        self._keep_to_one_language()

    def _shown_in_another_language(self) -> np.ndarray:
        """Sentences that state the same names and numbers as a sentence shown in another
        language (`_told_across`): a French report of what an English digest told is no news,
        though it shares none of its words. (Stories of one language skip this.)"""
        told = np.zeros(len(self), dtype=bool)
        if len(set(self.languages)) < 2:
            return told
        shown = np.flatnonzero(self.shown).tolist()
        language = [self.languages[i] for i in self.article_of.tolist()]
        for index in np.flatnonzero(self.eligible).tolist():
            told[index] = any(
                language[row] != language[index]
                and _told_across(self._facts_of(index), self._facts_of(row))
                and not self._disagree(row, index)
                for row in shown
            )
        return told

    def _keep_to_one_language(self) -> None:
        """A story reported in several languages is briefed in the language of most of the
        articles that hold a sentence it may quote (news, not told before); the others are
        its sources still."""
        holding = sorted(set(self.article_of[self.eligible].tolist()))
        languages = [self.languages[index] for index in holding]
        if len(set(languages)) < 2:
            return
        chosen = _most_common(languages)
        same = np.asarray([code == chosen for code in self.languages], dtype=bool)
        self.eligible &= same[self.article_of]

    @property
    def updating(self) -> bool:
        """True when part of the story is context the reader has seen."""
        return not self.fresh.all()

    def _drop_captions(self) -> None:
        """A sentence followed, in its paragraph, by a photo credit alone is a caption."""
        for index in range(1, len(self.sentences)):
            sentence, before = self.sentences[index], self.sentences[index - 1]
            if (
                before.article_id == sentence.article_id
                and before.paragraph == sentence.paragraph
                and is_photo_credit(self.texts[index])
            ):
                self.eligible[index - 1] = False

    def _repeated_word_for_word(self) -> np.ndarray:
        """For each eligible sentence, True when it is, word for word, a sentence of the articles
        seen or one shown, of at least MIN_CONTENT_WORDS content words: told before, whatever
        else the story holds (`_told_before` would find so after stemming the whole story)."""
        pairs = zip(self.texts, self.read, self.shown, strict=True)
        told = {text for text, read, shown in pairs if shown or read}
        repeated = []
        for index in np.flatnonzero(self.eligible).tolist():
            text = self.texts[index]
            if text not in told:
                return np.zeros(1, dtype=bool)  # one is enough to read the story whole
            language = self.languages[self.article_of[index]]
            coded = self._lexicon.encode(words(text), language)
            repeated.append(len(np.unique(coded[(coded & 1).astype(bool)])) >= MIN_CONTENT_WORDS)
        return np.asarray(repeated, dtype=bool)

    @property
    def token_sentence(self) -> np.ndarray:
        """The sentence of each token (in order)."""
        return self._tokens[0]

    @property
    def token_stems(self) -> np.ndarray:
        """The number of each token's stem in this story: 0 for the first stem met, and so on."""
        return self._tokens[1]

    @property
    def token_content(self) -> np.ndarray:
        """True for each token that is a content word."""
        return self._tokens[2]

    @cached_property
    def _tokens(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stem every word once: flat arrays of every token's sentence, stem and content flag.

        A stem is numbered in the order the story's text meets it, not by the process's lexicon:
        the lexicon numbers words in the order the process met them, and a brief must not depend
        on which stories a worker summarized before (sums over concepts run in column order, and
        two sentences of equal weight must tie the same way in every run). Only when asked: a
        story whose news repeats what was seen word for word needs none.
        """
        tokens = [words(t) for t in self.texts]
        counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        sentence = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
        per_article = np.bincount(self.article_of, minlength=len(self.articles)).tolist()
        codes, start = [np.empty(0, dtype=np.int64)], 0
        for code, run in groupby(zip(self.languages, per_article, strict=True), key=itemgetter(0)):
            end = start + sum(count for _, count in run)  # articles in a row in one language
            codes.append(self._lexicon.encode(list(chain.from_iterable(tokens[start:end])), code))
            start = end
        coded = np.concatenate(codes)
        return sentence, numbered_as_met(coded >> 1), (coded & 1).astype(bool)

    def __len__(self) -> int:
        return len(self.sentences)

    @cached_property
    def language(self) -> str:
        """The language most of the story's articles are written in."""
        if not self.languages:
            return "en"
        return _most_common(self.languages)

    @cached_property
    def content(self) -> Incidence:
        """Sentences × the story's content words (stems): which sentence holds which."""
        content = self.token_content
        rows, stems = self.token_sentence[content], self.token_stems[content]
        return Incidence.of_keys(rows, stems, len(self))[0]

    @cached_property
    def content_sizes(self) -> np.ndarray:
        """How many distinct content words each sentence holds."""
        return self.content.row_sizes()

    @cached_property
    def centroid(self) -> np.ndarray:
        """The sum of the sentences' unit-length binary content-word vectors."""
        norms = 1.0 / np.sqrt(np.maximum(self.content_sizes, 1))
        content = self.content
        return np.bincount(content.columns, weights=norms[content.rows], minlength=content.shape[1])

    def centrality(self) -> np.ndarray:
        """Each sentence's closeness to the rest of the story: the cosines of its binary
        content-word vector with every other sentence's, summed (its own, 1, left out: in a
        story of a dozen sentences it would drown the differences)."""
        sizes = self.content_sizes
        with_itself = self.content.dot(self.centroid) / np.sqrt(np.maximum(sizes, 1))
        return np.maximum(with_itself - (sizes > 0), 0.0)

    def near_duplicates(self, index: int) -> np.ndarray:
        """Indices of the sentences (any article, eligible or not) that repeat sentence `index`."""
        found = self._repeats.get(index)
        if found is None:
            found = self._repeats[index] = self._find_repeats(index)
        return found

    def _told_before(self) -> np.ndarray:
        """Sentences whose content words are all but a few (at most 1 - COVERED of them, or
        one) in a single sentence of the articles seen, or in the sentences shown together."""
        words, _, _ = self._repeat_test
        candidates = np.flatnonzero(self.eligible).tolist()
        told = np.zeros(len(self), dtype=bool)
        if not candidates:
            return told
        seen_rows = np.flatnonzero(self.read)
        width = max(self.content.shape[1], 1)
        matrix = sparse.csr_matrix(
            (np.ones(len(self.content.rows)), (self.content.rows, self.content.columns)),
            shape=(len(self), width),
        )
        shared = (matrix[candidates] @ matrix[seen_rows].T).toarray()
        shown = np.flatnonzero(self.shown).tolist()
        shown_words = np.zeros(width)
        shown_words[[w for i in shown for w in words[i]]] = 1.0
        in_shown = matrix[candidates] @ shown_words
        shown_shared = (matrix[candidates] @ matrix[shown].T).toarray()
        shown_numbers = frozenset(n for i in shown for n in self._numbers_of(i))
        shown_days = frozenset(day for i in shown for day in self._days_of(i))
        for row, index in enumerate(candidates):
            size = len(words[index])
            if size < MIN_CONTENT_WORDS:
                continue
            allowed = max(1.0, (1.0 - COVERED) * size)
            # What states other numbers than the words that cover it (a new toll), names
            # someone else, or denies what they say ("will not reopen" after "will reopen"),
            # is news.
            told[index] = any(
                not self._says_otherwise(index, seen)
                for seen in seen_rows[np.flatnonzero(size - shared[row] <= allowed)].tolist()
            ) or (
                size - in_shown[row] <= allowed
                and not none_shared(self._numbers_of(index), shown_numbers)
                and not none_shared(self._days_of(index), shown_days)
                and not self._names_otherwise(index, shown, shown_shared[row])
                and not any(self._disagree(i, index) for i in shown)
            )
        return told

    @cached_property
    def _repeat_test(self) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        sizes = self.content_sizes
        return self.content.by_row(), NEAR_DUPLICATE**2 * sizes, sizes >= MIN_CONTENT_WORDS

    def _find_repeats(self, index: int) -> np.ndarray:
        words, scaled_sizes, long_enough = self._repeat_test
        if not long_enough[index]:
            return np.asarray([index], dtype=np.int64)
        probe = np.zeros(self.content.shape[1])
        probe[words[index]] = 1.0
        shared = self.content.dot(probe)
        # Cosine of binary vectors, shared / √(size × size'), compared squared: no roots.
        repeats = (shared * shared >= scaled_sizes * len(words[index])) & long_enough
        repeats[self._restating(index, shared)] = True
        # One that says something else (a new count, day or name; a denial of what this one
        # says) is neither a repeat to leave out nor a carrier to cite for this one.
        for other in np.flatnonzero(repeats).tolist():
            if other != index and self._says_otherwise(index, other):
                repeats[other] = False
        repeats[index] = True
        return np.flatnonzero(repeats)

    def _says_otherwise(self, first: int, second: int) -> bool:
        """True when two sentences are two statements, whatever words they share: each states a
        count, or a day of the week, that the other does not (`none_shared`: "12,000 homes lost
        power", "power was restored to 10,500 homes"), each names someone the other does not
        (`other_names`: "arrested John Smith", "arrested Mark Jones"), or one denies what the
        other says (`disagree`)."""
        numbers = self._numbers_of(first)
        if numbers and none_shared(numbers, self._numbers_of(second)):
            return True
        days = self._days_of(first)
        if days and none_shared(days, self._days_of(second)):
            return True
        if self._other_names(first, second):
            return True
        return self._disagree(first, second)

    def _days_of(self, index: int) -> frozenset[str]:
        """The days of the week sentence `index` names (see `weekdays`), found once."""
        found = self._found_days.get(index)
        if found is None:
            found = self._found_days[index] = weekdays(self.texts[index])
        return found

    def _names_otherwise(self, index: int, shown: list[int], shared: np.ndarray) -> bool:
        """True when a sentence shown that holds half of sentence `index`'s content words or
        more names someone else in them (`other_names`): "Police arrested Mark Jones …" after
        "Police arrested John Smith …" is news, though the sentences shown hold its words."""
        half = 0.5 * len(self._repeat_test[0][index])
        return any(
            shared[column] >= half and self._other_names(index, other)
            for column, other in enumerate(shown)
        )

    def _other_names(self, first: int, second: int) -> bool:
        """`other_names` of two sentences; their paragraphs' words are read only when both name
        someone (a sentence that names no one lacks no name)."""
        names, other = self._names_of(first), self._names_of(second)
        if not names or not other:
            return False
        return other_names(names, other, self._names_around(first), self._names_around(second))

    def _names_around(self, index: int) -> frozenset[str]:
        """The words, lower-cased, of the paragraph of sentence `index` (where the names its
        pronouns stand for are), found once a paragraph."""
        sentence = self.sentences[index]
        key = (sentence.article_id, sentence.paragraph)
        found = self._found_around.get(key)
        if found is None:
            first = last = index
            while first > 0 and self._same_paragraph(first - 1, sentence):
                first -= 1
            while last + 1 < len(self) and self._same_paragraph(last + 1, sentence):
                last += 1
            text = " ".join(self.texts[first : last + 1]).lower()
            found = self._found_around[key] = frozenset(_TOKEN.findall(text))
        return found

    def _same_paragraph(self, index: int, sentence: Sentence) -> bool:
        other = self.sentences[index]
        return other.article_id == sentence.article_id and other.paragraph == sentence.paragraph

    def _names_of(self, index: int) -> tuple[tuple[str, ...], ...]:
        """The names sentence `index` states (see `names_in`), found once."""
        found = self._found_names.get(index)
        if found is None:
            stops = stop_words(self.languages[self.article_of[index]])
            found = self._found_names[index] = names_in(self.texts[index], stops)
        return found

    def _disagree(self, first: int, second: int) -> bool:
        """`disagree` of two sentences. A sentence's content words are stemmed only when the
        other denies a word outside its own denials: most sentences deny nothing."""
        keys, scope = self._denied(first)
        other_keys, other_scope = self._denied(second)
        return _denies_held(keys, other_scope, lambda: self._held(second)) or _denies_held(
            other_keys, scope, lambda: self._held(first)
        )

    def _denied(self, index: int) -> tuple[frozenset[str], frozenset[str]]:
        """The `keys` and `scope` of what sentence `index` denies (see `denied_words`), found
        once."""
        found = self._found_denials.get(index)
        if found is None:
            language = self.languages[self.article_of[index]]
            found = self._found_denials[index] = denied_words(self.texts[index], language)
        return found

    def _held(self, index: int) -> frozenset[str]:
        """The `held` of what sentence `index` denies (see `content_stems`), found once."""
        found = self._found_held.get(index)
        if found is None:
            language = self.languages[self.article_of[index]]
            found = self._found_held[index] = content_stems(self.texts[index], language)
        return found

    def _numbers_of(self, index: int) -> frozenset[str]:
        """The exact numbers sentence `index` states (see `exact_numbers`), found once."""
        found = self._found_numbers.get(index)
        if found is None:
            found = self._found_numbers[index] = exact_numbers(self.texts[index])
        return found

    def _facts_of(self, index: int) -> frozenset[str]:
        """The names and numbers sentence `index` states (see `facts`), found once."""
        found = self._found_facts.get(index)
        if found is None:
            stops = stop_words(self.languages[self.article_of[index]])
            found = self._found_facts[index] = facts(self.texts[index], stops)
        return found

    def _restating(self, index: int, shared_words: np.ndarray) -> list[int]:
        """The sentences that state the same facts as sentence `index` (see `restates`).

        Only sentences sharing enough content words with it could (`shared_words`): their facts
        alone are looked for.
        """
        stated = self._facts_of(index)
        if len(stated) < SAME_FACTS:
            return []
        words = self._repeat_test[0]
        sizes = np.minimum(self.content_sizes, len(words[index]))
        # The words in common either rule needs: the first SAME_WORDS of the fewer; the second,
        # which counts shared numbers as words, fewer by at most the numbers this one states.
        enough = shared_words >= SAME_WORDS * sizes
        numbers_stated = sum(map(_is_number, stated))
        if numbers_stated >= SAME_NUMBERS:
            enough |= shared_words >= SAME_NUMBERS_WORDS * sizes - (
                SAME_NUMBERS_WORDS * numbers_stated
            )
        restating = []
        for other in np.flatnonzero(enough).tolist():
            if other == index:
                continue
            theirs = self._facts_of(other)
            shared = stated & theirs
            if len(shared) < _FEWEST_SHARED:
                continue  # neither rule can hold
            numbers = sum(map(_is_number, shared))
            common, fewest = int(shared_words[other]), int(sizes[other])
            if (same_facts(stated, theirs) and common >= SAME_WORDS * fewest) or (
                # numbers are words too, though not content words
                numbers >= SAME_NUMBERS
                and common + numbers >= SAME_NUMBERS_WORDS * (fewest + numbers)
            ):
                restating.append(other)
        return restating

    @cached_property
    def dangling(self) -> np.ndarray:
        """Eligible sentences that open on a pronoun or a connective (`prose.dangles`)."""
        found = np.zeros(len(self), dtype=bool)
        for index in np.flatnonzero(self.eligible).tolist():
            found[index] = dangles(self.texts[index])
        return found

    def antecedent(self, index: int) -> int | None:
        """The sentence before sentence `index` in its article, if any: what a dangling opener
        leans on."""
        before = index - 1
        if before < 0 or self.article_of[before] != self.article_of[index]:
            return None
        return before


def context(articles: Sequence[Article], history: History) -> list[int]:
    """The places of the articles whose sentences an update reads, in order: every article the
    reader has not seen, and of those seen, the CONTEXT_NEWEST newest, the carriers of the
    sentences digests showed, and those that share a title or one of their first
    COPY_PARAGRAPHS paragraphs with a new one (a re-run of wire copy). Articles passed over
    are read only as carriers or copies: they are neither news nor what the reader read. A
    reader's files (`brief --after`, a history of no digest) are all read.

    The seen articles are context: their sentences are never chosen, they only tell what the
    reader knows. A story that keeps going for months holds hundreds of them; reading them all
    every day it has news made its brief cost grow with its age, not with its news.
    """
    known = history.known
    seen = [i for i, a in enumerate(articles) if a.id in known]
    if len(seen) <= CONTEXT_NEWEST or not history.coverages:  # `brief --after`: all it read
        return list(range(len(articles)))
    read = [i for i in seen if articles[i].id in history.seen]  # passed: no measure of the told
    kept = set(range(len(articles))).difference(seen) | set(read[-CONTEXT_NEWEST:])
    shown = {source for c in history.coverages for s in c.sentences for source in s.sources}
    fresh = [articles[i] for i in sorted(kept.difference(seen))]
    titles = {_fingerprint(a.title) for a in fresh if a.title}
    paragraphs = {key for a in fresh for key in _paragraph_keys(a.text)}
    for index in seen:
        article = articles[index]
        if (
            article.id in shown
            or (article.title and _fingerprint(article.title) in titles)
            or not paragraphs.isdisjoint(_paragraph_keys(article.text, COPY_PARAGRAPHS))
        ):
            kept.add(index)
    return sorted(kept)


def _fingerprint(text: str) -> str:
    return " ".join(text.lower().split())


def _paragraph_keys(text: str, first: int = -1) -> set[str]:
    """The paragraphs of a text (its `first` ones, when given) long enough to tell a copy,
    whitespace and case left aside."""
    paragraphs = leading_paragraphs(text, first) if first > 0 else split_paragraphs(text)
    # A paragraph's whitespace is folded already: its fingerprint is its lower case.
    return {key for p in paragraphs if len(key := p.lower()) >= MIN_PARAGRAPH}


def _most_common(codes: Sequence[str]) -> str:
    """The code most of these are (the first of equals)."""
    counts = Counter(codes)
    return max(counts, key=lambda code: (counts[code], -codes.index(code)))


def _language_of(article: Article, setting: str) -> str:
    """The setting, or under "auto" the language found when the article was read (readers
    detect it), so a story is not detected twice."""
    if setting != "auto":
        return setting
    if article.language in LANGUAGES:
        return article.language
    return detect_language(article.text)


def numbered_as_met(values: np.ndarray) -> np.ndarray:
    """Each value replaced by its rank among the distinct values in the order first met
    (`[7, 3, 7, 5]` gives `[0, 1, 0, 2]`)."""
    distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(distinct), dtype=np.int64)
    return rank[inverse]
