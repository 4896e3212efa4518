"""Seeing a digest before it goes out: preview, explain, and progress that suits the terminal."""

from __future__ import annotations

import fcntl
import glob
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import pipeline, queries
from digest.cli import main
from digest.config import load_config
from digest.errors import DigestError
from digest.explain import describe as describe_explanation
from digest.explain import explain_story
from digest.preview import describe as describe_preview
from digest.preview import preview
from digest.store import Store

from .conftest import NOW, ROOT, make_config, make_inbox, txt
from .test_daemon import article
from .test_pipeline import RAIL_A, RAIL_B, STORM

MUSEUM = txt(
    "Lowmarsh museum reopens after five-year restoration",
    "The Lowmarsh maritime museum reopened on Saturday after a five-year restoration of its "
    "iron galleries. Curators returned 400 ship models to the hall. Entry stays free for "
    "children under twelve, the museum said.",
    source="Coast Courier",
    date="2026-11-21",
)


@pytest.fixture(autouse=True)
def previews_in_tmp_path(tmp_path, monkeypatch):
    """Previews go to the system's temporary folder; in the tests, to the test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


def test_preview_writes_elsewhere_changes_nothing_and_tells_new_from_updated(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"tram-a.txt": RAIL_A, "storm.txt": STORM})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"tram-b.txt": RAIL_B, "museum.txt": MUSEUM})
    outbox_before = sorted(p.name for p in config.paths.outbox.iterdir())

    result = preview(config, now=NOW + timedelta(days=1))

    assert [f.name for f in result.files] == [
        "digest-2026-11-22.html", "digest-2026-11-22.md", "digest-2026-11-22.json",
    ]  # fmt: skip
    assert all(f.is_file() and config.paths.outbox not in f.parents for f in result.files)
    news = {s.brief.headline: s for s in result.stories}
    [museum] = [s for s in news.values() if "museum" in s.brief.headline]
    [tram] = [s for s in news.values() if "tram" in s.brief.headline.lower()]
    assert museum.is_new and museum.new_articles == 1
    assert not tram.is_new and (tram.new_articles, len(tram.brief.articles)) == (1, 2)
    assert result.last_digest == "digest-2026-11-21" and result.waiting == 2

    assert sorted(p.name for p in config.paths.outbox.iterdir()) == outbox_before
    assert (config.paths.inbox / "tram-b.txt").exists() and (
        config.paths.inbox / "museum.txt"
    ).exists()
    state = queries.status(config)
    assert (state.articles, state.last_digest) == (2, "digest-2026-11-21")

    text = describe_preview(result)
    assert "New stories since digest-2026-11-21:\n  + Lowmarsh museum reopens" in text
    assert "Updated stories since digest-2026-11-21 (briefed on what is new):" in text
    assert "(1 new article; previously in digest-2026-11-21)" in text
    assert str(result.files[0]) in text


def preview_links(files):
    """The "previously in" targets of a preview's page and Markdown."""
    html, markdown = (f.read_text() for f in files if f.suffix in (".html", ".md"))
    return (
        re.findall(r'previously in <a href="([^"]+)"', html),
        re.findall(r"previously in \[the digest of [^\]]+\]\(<([^>]+)>\)", markdown),
    )


def test_a_previews_links_lead_to_the_outbox_from_the_preview_folder(tmp_path):
    config = make_config(tmp_path, **{"digest.formats": ["html", "md"]})
    make_inbox(config.paths.inbox, {"tram-a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"tram-b.txt": RAIL_B})

    result = preview(config, now=NOW + timedelta(days=1))
    outbox = config.paths.outbox.absolute()
    assert preview_links(result.files) == (
        [(outbox / "digest-2026-11-21.html").as_uri()],
        [(outbox / "digest-2026-11-21.md").as_uri()],
    )
    served = replace(config, digest=replace(config.digest, base_url="https://ex.org/d/"))
    result = preview(served, now=NOW + timedelta(days=1))
    assert preview_links(result.files) == (
        ["https://ex.org/d/digest-2026-11-21.html"],
        ["https://ex.org/d/digest-2026-11-21.md"],
    )


def test_preview_of_a_fresh_folder_calls_every_story_new_and_leaves_no_state(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"tram-a.txt": RAIL_A, "storm.txt": STORM})
    result = preview(config, now=NOW)
    assert len(result.stories) == 2 and all(s.is_new for s in result.stories)
    assert result.last_digest is None and result.waiting == 2
    assert "New stories:\n" in describe_preview(result)
    assert not config.paths.state.parent.exists()


def test_preview_with_no_news_says_so_and_writes_nothing(tmp_path):
    config = make_config(tmp_path)
    result = preview(config, now=NOW)
    assert result.files == () and "would be empty" in describe_preview(result)


def test_explain_gives_scores_carriers_and_article_fit(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"tram-a.txt": RAIL_A, "tram-b.txt": RAIL_B, "storm.txt": STORM})
    result = pipeline.build(config, now=NOW)
    tram = next(b for b in result.digest.briefs if "tram" in b.headline.lower())

    explanation = explain_story(config, tram.story_id[:6])  # a unique beginning is enough
    assert explanation.brief.story_id == tram.story_id
    assert [c.sentence.text for c in explanation.sentences] == [s.text for s in tram.sentences]
    assert sorted(c.rank for c in explanation.sentences) == list(range(1, len(tram.sentences) + 1))
    assert all(c.sentence.score > 0 for c in explanation.sentences)
    [quote] = [c for c in explanation.sentences if "great day" in c.sentence.text]
    assert {c.article.file for c in quote.carriers} == {"tram-a.txt", "tram-b.txt"}
    assert all("great day" in c.text for c in quote.carriers)
    for choice in explanation.sentences:  # every cited article carried the sentence
        cited = {a.id for a in tram.articles if a.id in choice.sentence.sources}
        assert {c.article.id for c in choice.carriers} == cited
    fits = [a.similarity for a in explanation.articles]
    assert len(fits) == 2 and all(0.2 < f <= 1 for f in fits)

    text = describe_explanation(explanation)
    assert tram.headline in text and "tram-a.txt" in text and "score" in text
    assert "same news in" in text or text.count("from [") >= 2


def test_explain_cites_each_article_once_when_it_carries_a_sentence_twice(tmp_path):
    homes = ("Around 12,000 homes across Pellmouth, Orrin Bay and Stavely were left without "
             "electricity after power lines came down.")  # fmt: skip
    restored = ("About 12,000 homes in Pellmouth, Orrin Bay and Stavely lost electricity when "
                "power lines came down, Solent Lines said.")  # fmt: skip
    gale = "Gale-force winds hit the south coast on Tuesday night, felling trees."
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {
        "d1.txt": txt("Storm cuts power to 12,000 homes", f"{gale} {homes} Schools stayed "
                      "shut on Wednesday.", source="Southern Gazette", date="2026-11-20"),
        "d2.txt": txt("Power back for most homes after storm", f"{homes} {restored} Crews "
                      "worked through the night.", source="Coastline Herald", date="2026-11-20"),
    })  # fmt: skip
    [brief] = pipeline.build(config, now=NOW).digest.briefs
    explanation = explain_story(config, brief.story_id)
    twice = [
        c for c in explanation.sentences if len({x.number for x in c.carriers}) < len(c.carriers)
    ]
    assert twice  # an article carries the sentence and a near copy of it
    text = describe_explanation(explanation)
    for choice in twice:
        numbers = sorted({c.number for c in choice.carriers})
        assert f"cites {''.join(f'[{n}]' for n in numbers)}\n" in text


def test_explain_says_why_a_story_has_no_sentence_to_quote(tmp_path):
    run_on = " ".join(["The committee met again and the members discussed the plans"] * 12) + "."
    config = make_config(tmp_path)
    article = txt("Committee meets", f"{run_on}\n\n{run_on}", source="Gazette", date="2026-11-20")
    make_inbox(config.paths.inbox, {"long.txt": article})
    result = pipeline.build(config, now=NOW)
    assert result.update.stored and not result.digest.briefs  # left out of the digest
    with Store.open(config.paths.state) as store:
        [story] = store.all_story_ids()
    text = describe_explanation(explain_story(config, story))
    why = "none: no sentence of its articles can be quoted (none is a whole sentence of prose"
    assert f"{why} of 6 to 100 words" in text


def test_explain_unknown_story_and_the_commands(tmp_path):
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    make_inbox(tmp_path / "inbox", {"storm.txt": STORM})
    config = str(tmp_path / "config.toml")
    runner = CliRunner()
    assert runner.invoke(main, ["preview", "--config", config]).exit_code == 0
    assert (tmp_path / "inbox" / "storm.txt").exists()
    assert runner.invoke(main, ["build", "--config", config]).exit_code == 0
    story_id = queries.story_infos(load_config(config))[0].id
    shown = runner.invoke(main, ["explain", story_id, "--config", config])
    assert shown.exit_code == 0 and "Storm knocks out power" in shown.output
    missing = runner.invoke(main, ["explain", "zzz", "--config", config])
    assert missing.exit_code == 1 and "no story 'zzz'" in missing.output
    with pytest.raises(DigestError, match="did you mean"):
        explain_story(load_config(config), story_id[:-1] + "x")


def many_files_project(tmp_path) -> str:
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    make_inbox(tmp_path / "inbox", {f"a-{n:02}.txt": article(n) for n in range(60)})
    return str(tmp_path / "config.toml")


def test_progress_is_log_lines_when_not_on_a_terminal(tmp_path):
    config = many_files_project(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "digest", "build", "--config", config],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "INFO reading: 60/60" in run.stderr
    assert "\r" not in run.stderr and "it/s" not in run.stderr and "%|" not in run.stderr


def test_progress_is_a_bar_on_a_terminal(tmp_path):
    config = many_files_project(tmp_path)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "build", "--config", config],
        stdout=subprocess.DEVNULL, stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    assert b"reading:" in output and b"\r" in output and b"reading: 60/60\n" not in output


def test_a_progress_bar_leaves_no_thread_behind(monkeypatch):
    # parallel_map forks workers only while no other thread runs; a bar must not change that.
    from digest.progress import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = threading.active_count()
    assert sum(progress(iter(range(100)), 100, "reading")) == sum(range(100))
    assert threading.active_count() == before


def _preview_in(tmp_path, monkeypatch):
    """A project of one story, previews written under tmp_path/tmp (the autouse fixture);
    returns its config path."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    make_inbox(tmp_path / "p" / "inbox", {"a.txt": RAIL_A})
    return str(tmp_path / "p" / "config.toml")


def _run_preview(config):
    return CliRunner().invoke(main, ["preview", "--config", config], catch_exceptions=False)


def _html_folder(output):
    [page] = [line.strip() for line in output.splitlines() if line.strip().endswith(".html")]
    return os.path.dirname(page)


def test_a_preview_folder_name_taken_by_a_file_gives_a_fresh_private_folder(
    tmp_path, monkeypatch, caplog
):
    config = _preview_in(tmp_path, monkeypatch)
    usual = _html_folder(_run_preview(config).output)
    import shutil

    shutil.rmtree(usual)
    with open(usual, "w") as squatter:
        squatter.write("someone else's file\n")
    result = _run_preview(config)
    assert result.exit_code == 0
    folder = _html_folder(result.output)
    assert folder != usual and os.path.basename(folder).startswith(os.path.basename(usual))
    assert os.stat(folder).st_mode & 0o077 == 0  # private
    assert Path(usual).read_text() == "someone else's file\n"
    assert f"{usual} is taken (by a file" in caplog.text
    again = _html_folder(_run_preview(config).output)  # the stand-ins do not pile up either
    assert not os.path.exists(folder) and os.path.exists(again)
    assert len(glob.glob(usual + "-*")) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_preview_folder_of_another_user_is_left_alone(tmp_path, monkeypatch):
    config = _preview_in(tmp_path, monkeypatch)
    usual = _html_folder(_run_preview(config).output)
    os.chown(usual, 12345, 12345)
    result = _run_preview(config)
    assert result.exit_code == 0 and _html_folder(result.output) != usual
    assert os.listdir(usual)  # the other user's folder was not emptied


def test_a_temporary_folder_that_cannot_be_written_is_a_clean_error(tmp_path, monkeypatch):
    config = _preview_in(tmp_path, monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing" / "tmp"))
    missing = tmp_path / "missing" / "tmp"
    result = CliRunner().invoke(main, ["preview", "--config", config])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot make a temporary folder in {missing}: No such file" in result.output
    # With a state to read, the dry run needs no scratch state: the preview folder is refused.
    (tmp_path / "p" / "inbox" / "a.txt").rename(tmp_path / "a.txt")
    assert CliRunner().invoke(main, ["build", "--config", config]).exit_code == 0
    (tmp_path / "a.txt").rename(tmp_path / "p" / "inbox" / "a.txt")
    result = CliRunner().invoke(main, ["preview", "--config", config])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot make a preview folder in {missing}: No such file" in result.output
