"""`python -m digest.evaluate update`: both runs on a topic written for the tests."""

from __future__ import annotations

import json

from digest.evaluate.update import already_shown, main, rank_of

from .test_updates import DAY_1, DAY_2, DAY_3


def doc(text: str, number: int) -> dict:
    head, _, body = text.partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    return {"id": f"d{number}", "source": fields["Source"], "date": fields["Date"],
            "title": fields["Title"], "text": body}  # fmt: skip


def topic() -> dict:
    refs = {
        "A": ["Storm Arlo made landfall near Port Edda; 60,000 homes lost power."],
        "B": ["Two people died near Brackwater; the clean-up will cost 45 million crowns."],
        "C": ["Port Edda asked for national disaster funds; insurers expect 30 million in claims."],
    }  # fmt: skip
    peers = {name: {"1": refs[name][0], "2": "Nothing about the storm at all."} for name in refs}
    return {
        "id": "T1", "limit_words": 100, "refs": refs, "peers": peers,
        "docs": {"A": [doc(DAY_1, 1)], "B": [doc(DAY_2, 2)], "C": [doc(DAY_3, 3)]},
    }  # fmt: skip


def test_both_runs_are_scored_against_the_systems(tmp_path, capsys):
    path = tmp_path / "update.jsonl"
    path.write_text(json.dumps(topic()) + "\n")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "update.jsonl: 1 topics, limit 100 words" in out
    assert "| daily | B |" in out and "| one-shot | C |" in out
    assert "| daily | B | " in out and "| 1/1 |" in out  # B's article landed in the story
    # Peer 1 is the reference itself: first; ours come next, above peer 2.
    assert "daily: B+C ROUGE-2 recall" in out and "rank 2 of 3" in out
    # "Power has been restored to most of the 60,000 homes" is day 2's news in day 1's words:
    # the cosine test counts it as shown (the product keeps it on purpose).
    assert "already shown 16.7% (1/6)" in out
    assert "best systems: peer 1 100.00" in out


def test_a_topic_without_a_set_is_a_message(tmp_path, capsys):
    record = topic()
    del record["docs"]["C"]
    path = tmp_path / "update.jsonl"
    path.write_text(json.dumps(record) + "\n")
    from digest.evaluate.__main__ import main as evaluate

    assert evaluate(["update", str(path)]) == 1
    assert "update.jsonl:1: set C has no documents" in capsys.readouterr().err


def test_repeats_and_ranks():
    shown = ["Two people died when a tree fell on their car near Brackwater, police said."]
    assert already_shown("Two people died when a tree fell on a car near Brackwater.", shown)
    assert not already_shown("Insurers said claims exceed 30 million crowns.", shown)
    assert rank_of(0.5, {"a": 0.6, "b": 0.4}) == 2
