"""`python -m digest.evaluate cluster`: its scores and runs, on articles written for the tests."""

from __future__ import annotations

import json

import pytest

from digest.evaluate.clusters import errors, main, score

# Three stories, told five times each in other words; each has words no other story uses.
STORIES = {
    "bridge": (
        "Harbour Street bridge",
        "The storm closed the Harbour Street bridge in Port Ellis, and engineers found cracks "
        "in two of its piers. Ferries will carry island residents while the bridge is shut.",
    ),
    "tram": (
        "Crescent tram line",
        "The council approved the Crescent tram line after a long debate, and the first rails "
        "will be laid in the spring. Tickets will cost the same as the buses they replace.",
    ),
    "recall": (
        "Hearthstat thermostat recall",
        "Brightwick recalled its Hearthstat thermostats after reports of overheating wiring. "
        "Owners should switch the devices off and ask the maker for a free replacement.",
    ),
}
OPENINGS = ("On Monday,", "Officials said that", "According to residents,", "Late on Tuesday,",
            "As expected,")  # fmt: skip


def records() -> list[dict]:
    found = []
    for number, opening in enumerate(OPENINGS):
        for story, (title, text) in STORIES.items():
            found.append({
                "id": f"{story}/{number}", "story": story, "source": f"Outlet {number}",
                "date": f"2026-11-0{number + 1}", "title": f"{title}, day {number + 1}",
                "text": f"{opening} {text[0].lower()}{text[1:]}",
            })  # fmt: skip
    return found


def test_bcubed_and_pairwise_scores_by_hand() -> None:
    # Gold: {a, b, c} and {d}. Predicted: {a, b} and {c, d}.
    scores = score(["x", "x", "y", "y"], ["g", "g", "g", "h"])
    # Precision per article: a 1, b 1, c 1/2, d 1/2; recall: a 2/3, b 2/3, c 1/3, d 1.
    assert scores.bcubed_precision == pytest.approx(3 / 4)
    assert scores.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    # Pairs put together: ab (right), cd (wrong); gold pairs: ab, ac, bc.
    assert scores.pairwise_f1 == pytest.approx(2 * 1 / (2 + 3))
    assert (scores.predicted, scores.gold) == (2, 2)


def test_the_cluster_command_scores_the_build_path_baseline_and_ceiling(tmp_path, capsys) -> None:
    data = tmp_path / "stories.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
    assert main([str(data), "--ceiling"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("stories.jsonl: 15 articles; threshold 0.18")
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in out.splitlines()[3:]}
    assert list(rows) == ["stream", "all at once", "baseline", "supervised ceiling (5-fold SVM)"]
    for name, cells in rows.items():
        # Stories this distinct are found exactly, by the build and by the ceiling alike.
        assert cells[3] == "1.000" and cells[5] == "3/3", (name, cells)
    assert "stream: 5/5 update(s)" in err  # one update per publication day


def test_the_ceiling_is_told_nothing_about_the_article_it_labels(tmp_path, capsys) -> None:
    # A story of one article cannot be learnt from the other folds: that article is labelled
    # with another story, so the ceiling is below 1 although every story is distinct.
    text = "The limestone quarry at Holm Castell reopened after ten years of silence."
    lone = {**records()[0], "id": "lone/0", "story": "lone", "title": "Quarry", "text": text}
    data = tmp_path / "stories.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in [*records(), lone]), encoding="utf-8")
    assert main([str(data), "--ceiling", "--no-baseline"]) == 0
    ceiling = capsys.readouterr().out.splitlines()[-1].split(" | ")
    assert ceiling[0] == "| supervised ceiling (5-fold SVM)"
    assert float(ceiling[3]) < 1.0 and ceiling[5] == "3/4"


def test_errors_name_the_gold_stories_split_most_and_the_stories_mixing_most() -> None:
    # Gold g is split over x, y and z; predicted y mixes g and h.
    predicted = ["x", "x", "y", "z", "y", "w"]
    gold = ["g", "g", "g", "g", "h", "k"]
    split, mixed = errors(predicted, gold, 1).split("\n\n")
    assert split.splitlines()[2] == "| g | 4 | 3 | 0.50 |"
    assert len(split.splitlines()) == 3  # the header, its rule and the one story asked for
    assert mixed.splitlines()[2] == "| y | 2 | 2 | 0.50 |"
    # Ties: the story with more articles, then by name.
    assert errors(predicted, gold, 3).split("\n\n")[1].splitlines()[3:] == [
        "| x | 2 | 1 | 1.00 |",
        "| w | 1 | 1 | 1.00 |",
    ]


def test_the_cluster_command_tells_where_the_stream_s_errors_are(tmp_path, capsys) -> None:
    data = tmp_path / "stories.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
    assert main([str(data), "--no-baseline", "--errors", "2"]) == 0
    out = capsys.readouterr().out
    split = out.split("| gold story | articles | stories | share in the largest |")[1]
    rows = [line for line in split.splitlines() if line.startswith("| ") and "---" not in line]
    # Every story is found whole: each gold story is one story of its five articles.
    assert sorted(rows[:2]) == ["| bridge | 5 | 1 | 1.00 |", "| recall | 5 | 1 | 1.00 |"]
    assert "| predicted story | articles | gold stories | share in the largest |" in out
