"""Starting a project anywhere: `digest init`, and how a command finds its config."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from digest.cli import main
from digest.config import find_config

from .conftest import ROOT


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def test_init_starts_a_project_that_builds(tmp_path):
    folder = tmp_path / "news"
    result = run("init", str(folder), "--templates")
    assert result.exit_code == 0, result.output
    assert (folder / "config.toml").read_text() == (ROOT / "config.toml").read_text()
    assert (folder / "inbox").is_dir() and (folder / "outbox").is_dir()
    assert sorted(p.name for p in (folder / "templates").iterdir()) == [
        "digest.html.j2", "digest.md.j2", "digest.txt.j2", "feed.xml.j2", "index.html.j2",
    ]  # fmt: skip
    assert f"cd {folder}" in result.output and "digest build" in result.output
    (folder / "inbox" / "a.txt").write_text(
        "Title: Ferry resumes\nSource: Coast Courier\nDate: 2026-11-20\n\n"
        "The ferry service to Carrow resumed on Monday after a week of repairs to the pier."
    )
    built = run("build", "--config", str(folder / "config.toml"))
    assert built.exit_code == 0 and list((folder / "outbox").glob("digest-*.html"))


def test_init_overwrites_nothing(tmp_path):
    (tmp_path / "config.toml").write_text("# mine\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1 and "config.toml already exists" in result.output
    assert (tmp_path / "config.toml").read_text() == "# mine\n"
    assert not (tmp_path / "inbox").exists()


def test_init_checks_every_path_first_writes_nothing_and_names_every_conflict(tmp_path):
    (tmp_path / "inbox").write_text("not a folder\n")
    (tmp_path / "outbox").symlink_to(tmp_path / "inbox")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.md.j2").write_text("mine\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run("init", str(tmp_path), "--templates")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{tmp_path / 'inbox'} is a file, not a folder" in result.output
    assert f"{tmp_path / 'outbox'} is a file, not a folder" in result.output
    assert f"{tmp_path / 'templates' / 'digest.md.j2'} already exists" in result.output
    assert "nothing was written" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "config.toml").exists()

    (tmp_path / "inbox").unlink()
    (tmp_path / "outbox").unlink()
    (tmp_path / "templates" / "digest.md.j2").unlink()
    assert run("init", str(tmp_path), "--templates").exit_code == 0
    assert (tmp_path / "inbox").is_dir() and (tmp_path / "config.toml").is_file()


def test_init_into_a_file_says_so(tmp_path):
    (tmp_path / "news").write_text("x")
    result = run("init", str(tmp_path / "news"))
    assert result.exit_code == 1 and f"{tmp_path / 'news'} is a file, not a folder" in result.output


def test_the_example_config_is_the_one_init_writes():
    assert (ROOT / "templates" / "config.toml").read_text() == (ROOT / "config.toml").read_text()


def test_config_is_found_by_flag_then_variable_then_here_then_xdg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGEST_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config() is None
    xdg = tmp_path / "xdg" / "digest" / "config.toml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text("")
    assert find_config() == xdg
    (tmp_path / "config.toml").write_text("")
    assert find_config().resolve() == (tmp_path / "config.toml")
    monkeypatch.setenv("DIGEST_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert find_config() == tmp_path / "elsewhere.toml"
    assert find_config(tmp_path / "given.toml") == tmp_path / "given.toml"
    missing = run("status")
    assert missing.exit_code == 1 and "elsewhere.toml: no such config file" in missing.output


def test_no_config_found_is_said(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGEST_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with caplog.at_level(logging.INFO):
        assert run("status").exit_code == 0
    assert "no config file found" in caplog.text and "using the defaults" in caplog.text
