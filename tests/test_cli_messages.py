"""What `digest build` says when it writes nothing, and how its log names stories."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from digest.cli import main

from .conftest import make_inbox
from .test_cli import project
from .test_pipeline import RAIL_A, RAIL_B, STORM


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_first_build_of_only_unreadable_files_says_where_they_went_and_why(tmp_path):
    config = project(tmp_path, {"broken.json": "{", "empty.txt": "", "notes.docx": b"PK\x03\x04"})
    dry = run("build", "--dry-run", "--config", config)
    assert dry.exit_code == 0
    assert "The inbox" not in dry.output
    assert "3 file(s) could not be read (they stay in" in dry.output
    assert (tmp_path / "inbox" / "broken.json").exists()

    result = run("build", "--config", config)
    assert result.exit_code == 0
    assert "The inbox" not in result.output
    rejected = tmp_path / "inbox" / "rejected"
    assert f"3 file(s) could not be read (moved to {rejected}, each beside a .error" in (
        result.output
    )
    lines = result.output.splitlines()
    for name in ("broken.json", "empty.txt", "notes.docx"):
        [line] = [line for line in lines if line.startswith(f"  {name}: ")]
        assert len(line) > len(f"  {name}: ") + 5  # the reason follows the name
        assert (rejected / name).exists()


def test_a_later_build_names_the_files_it_rejected_too(tmp_path):
    config = project(tmp_path, {"a.txt": RAIL_A})
    assert run("build", "--config", config).exit_code == 0
    (tmp_path / "inbox" / "broken.json").write_text("[")
    result = run("build", "--config", config)
    assert "No stories with new articles since the last digest" in result.output
    assert "1 file(s) could not be read" in result.output and "  broken.json: " in result.output


def test_build_all_names_the_stories_it_leaves_out(tmp_path, caplog):
    config = project(tmp_path, {"a.txt": RAIL_A, "b.txt": RAIL_B, "c.txt": STORM})
    assert run("build", "--config", config).exit_code == 0
    caplog.clear()
    with caplog.at_level(logging.INFO):
        result = run("build", "--all", "--config", config)
    assert "No stored story has anything the digests have not shown" in result.output
    left_out = [r.getMessage() for r in caplog.records if r.getMessage().startswith("left out")]
    assert len(left_out) == 2
    assert "left out ''" not in caplog.text
    assert any("'Storm knocks out power to 20,000 homes'" in line for line in left_out)


def test_a_preview_names_the_files_it_could_not_read_and_says_when_no_digest_was_made(
    tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    config = project(tmp_path, {"broken.json": "{"})
    result = run("preview", "--config", config)
    assert result.exit_code == 0
    assert "since the last digest" not in result.output
    assert "No story to show yet: the next digest would be empty." in result.output
    assert "1 file(s) could not be read (they stay in" in result.output
    assert "  broken.json: not valid JSON" in result.output

    (tmp_path / "inbox" / "a.txt").write_text(RAIL_A)
    shown = run("preview", "--config", config)
    assert "Preview of the next digest, 1 story(ies)" in shown.output
    assert "  broken.json: not valid JSON" in shown.output


def test_a_first_build_without_an_inbox_says_it_does_not_exist(tmp_path):
    config = project(tmp_path, {})
    (tmp_path / "inbox").rmdir()
    result = run("build", "--config", config)
    assert result.exit_code == 0
    assert f"The inbox {tmp_path / 'inbox'} does not exist: make that folder" in result.output
    assert "is empty" not in result.output


def test_files_still_being_written_are_counted_not_called_unreadable(tmp_path):
    from digest.cli import nothing_written
    from digest.models import Digest
    from digest.pipeline import Build, Update

    from .conftest import NOW, make_config

    config = make_config(tmp_path)
    config.paths.inbox.mkdir()
    update = Update(files=2, stored=(), duplicates=0, rejected=(), stories=0, waiting=2)
    message = nothing_written(config, Build(Digest("D", NOW), update, (), False), False)
    assert message.startswith("Nothing written yet.\n")
    assert f"2 file(s) were still being written: left in {config.paths.inbox}" in message
    assert "could not be read" not in message


def test_a_first_build_of_an_inbox_of_only_subfolders_names_them(tmp_path):
    config = project(tmp_path, {})
    make_inbox(tmp_path / "inbox" / "monday", {"a.txt": RAIL_A})
    for own in ("processed", "rejected", ".stfolder"):  # digest's own, and a hidden one
        (tmp_path / "inbox" / own).mkdir()
    result = run("build", "--config", config)
    assert result.exit_code == 0
    inbox = tmp_path / "inbox"
    assert f"The inbox {inbox} holds no files, only subfolders" in result.output
    assert f"subfolders are not read: {inbox / 'monday'}" in result.output
    assert "processed" not in result.output and "stfolder" not in result.output
    assert "is empty" not in result.output


def test_brief_of_a_folder_of_only_subfolders_names_them(tmp_path):
    folder = tmp_path / "news"
    make_inbox(folder / "b", {"a.txt": RAIL_A})
    (folder / "a").mkdir()
    result = CliRunner().invoke(main, ["brief", str(folder)])
    assert result.exit_code == 1
    assert f"no files in {folder}" in result.output
    assert f"subfolders are not read: {folder / 'a'}, {folder / 'b'}" in result.output
