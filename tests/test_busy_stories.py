"""A busy story (many articles, one of them days old) takes its next report on weaker evidence."""

from __future__ import annotations

from dataclasses import replace

from digest.cluster import BUSY_ARTICLES, BUSY_DAYS, assign
from digest.config import StorySettings
from digest.models import Article, Placed
from tests.test_cluster import (
    FOOTBALL,
    PENSIONS,
    QUAKE_A,
    QUAKE_B,
    RATES,
    article,
    placed,
)

# A flood told over several days, each report in other words of the same facts and names.
FLOOD_FACTS = [
    "The River Tamar burst its banks at Launceston after three days of rain.",
    "Mayor Helen Prideaux said 1,200 homes in Launceston had been flooded.",
    "Soldiers stacked sandbags along the Tamar at Polson Bridge.",
    "The Environment Agency kept its severe flood warning for the Tamar valley.",
    "Families from Launceston spent the night in the leisure centre.",
    "Prideaux asked residents to stay away from the swollen river.",
    "Water reached the first floors of houses on the low streets by the Tamar.",
    "Rescue crews took elderly residents out of Launceston by boat.",
    "The rain eased on Thursday but the Tamar was still rising at Polson Bridge.",
    "Schools in Launceston stayed closed while the water stood in the town.",
    "Prideaux said the town would need months to recover from the flood.",
    "The agency said the Tamar had not been this high since 1929.",
    "Power was cut to parts of Launceston as substations flooded.",
    "Volunteers brought food and blankets to the leisure centre.",
]
FLOOD_TITLES = [
    "Tamar floods Launceston",
    "Launceston under water",
    "Flood crisis in Launceston",
    "Tamar keeps rising",
    "Launceston clears up",
]
# The story's next development: the same names, few of the words the story has used.
INSURERS = (
    "Insurers put a price on the Launceston flood",
    "Insurers estimated on Sunday that claims from the Launceston flood would reach 40 million "
    "pounds. Loss adjusters began visiting homes along the Tamar this week, and Prideaux urged "
    "owners to keep receipts for ruined furniture.\n\nThe Association of British Insurers said "
    "most policies covered flood damage, though tenants were often uninsured.",
)


def flood_report(number: int) -> tuple[str, str]:
    facts = [FLOOD_FACTS[(number * 3 + j) % len(FLOOD_FACTS)] for j in range(5)]
    title = f"{FLOOD_TITLES[number % len(FLOOD_TITLES)]} (day {number // 2 + 1})"
    return title, " ".join(facts[:3]) + "\n\n" + " ".join(facts[3:])


def flood_story(reports: int, newest_day: float) -> list[Placed]:
    """A stored flood story of `reports` articles, two a day up to `newest_day`, and four other
    stories of the days before."""
    stored = [
        placed(
            article(flood_report(n), days=newest_day - (reports - 1 - n) / 2, source=f"Outlet {n}"),
            "s-flood",
        )
        for n in range(reports)
    ]
    others = (QUAKE_A, QUAKE_B, PENSIONS, FOOTBALL, RATES)
    return stored + [
        placed(article(s, days=-3 + i / 10), f"s-other-{i}") for i, s in enumerate(others)
    ]


def insurers(day: float) -> Article:
    return article(INSURERS, days=day, source="Insurance Times")


def test_a_busy_storys_next_report_joins_it_on_fewer_shared_words():
    report = insurers(day=6)  # a day after the story's newest article
    story_of = assign([placed(report)], flood_story(BUSY_ARTICLES, 5), StorySettings())
    assert story_of[report.id] == "s-flood"


def test_the_same_report_starts_its_own_story_after_a_quiet_week_or_beside_a_smaller_story():
    quiet = insurers(day=5 + BUSY_DAYS + 4)  # the same words, the story quiet for a week
    assert assign([placed(quiet)], flood_story(BUSY_ARTICLES, 5), StorySettings()) == {
        quiet.id: "s" + quiet.id[:12]
    }
    report = insurers(day=6)
    smaller = flood_story(BUSY_ARTICLES - 1, 5)
    assert assign([placed(report)], smaller, StorySettings())[report.id] != "s-flood"


def test_a_story_that_grows_busy_within_one_build_takes_the_report_too():
    stored = flood_story(BUSY_ARTICLES, 5)
    new = [Placed(p.article_id, None, p.published, p.features) for p in stored]
    report = insurers(day=6)
    story_of = assign([*new, placed(report)], [], StorySettings())
    flood = {story_of[p.article_id] for p in new[:BUSY_ARTICLES]}
    assert len(flood) == 1
    assert story_of[report.id] in flood


def test_a_report_dated_long_before_a_busy_story_is_not_its_continuation():
    late = insurers(day=5 - 300)  # dated 300 days before the story's newest article
    assert assign([placed(late)], flood_story(BUSY_ARTICLES, 5), StorySettings()) == {
        late.id: "s" + late.id[:12]
    }
    days_before = insurers(day=5 - BUSY_DAYS + 1)  # the story's week: its continuation
    story_of = assign([placed(days_before)], flood_story(BUSY_ARTICLES, 5), StorySettings())
    assert story_of[days_before.id] == "s-flood"


# A French report of another event (a factory fire) that names one place of the English flood
# story: fewer than SHARED_AT_LEAST crossing terms or names in common.
FIRE = (
    "Un incendie a détruit une usine de meubles mardi soir. Les pompiers ont lutté toute la nuit"
    " contre les flammes. Une enquête a été ouverte sur les causes du sinistre. Les ouvriers de"
    " l'usine sont au chômage technique depuis mercredi. La direction promet de reconstruire le"
    " bâtiment avant l'hiver. On en parle à Launceston."
)


def test_a_busy_story_in_another_language_needs_the_shared_terms_all_the_same():
    fire = replace(
        article(("Incendie dans une usine", FIRE), days=6, source="Le Monde"), language="fr"
    )
    story_of = assign([placed(fire)], flood_story(BUSY_ARTICLES, 5), StorySettings())
    assert story_of[fire.id] == "s" + fire.id[:12]
