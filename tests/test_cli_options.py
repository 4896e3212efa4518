"""The command line as users of other tools expect it: global options anywhere, flags named in
errors, honest messages, `archive`, and previews that do not pile up."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from digest.cli import main

from .conftest import ROOT, make_inbox
from .test_pipeline import RAIL_A, RAIL_B, STORM


def project(tmp_path, files=None, templates=None):
    """A folder with config.toml and an inbox of `files`; returns the config's path."""
    folder = templates or ROOT / "templates"
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text(
        f'[paths]\ntemplates = "{folder}"\n[watch]\nsettle_seconds = 0\n'
    )
    make_inbox(tmp_path / "inbox", files or {})
    return str(tmp_path / "config.toml")


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_global_options_go_before_or_after_the_command(tmp_path):
    config = project(tmp_path, {"a.txt": RAIL_A})
    before = run("--config", config, "status", "--json")
    after = run("status", "--json", "--config", config)
    assert before.exit_code == after.exit_code == 0
    assert json.loads(before.output) == json.loads(after.output)
    assert json.loads(before.output)["pending"] == 1

    assert run("build", "--debug", "--config", config).exit_code == 0
    assert run("-q", "build", "--config", config).exit_code == 0
    assert run("--version").output == "digest 0.1.0\n"


def test_debug_after_the_command_shows_the_traceback(tmp_path):
    (tmp_path / "config.toml").write_text("[brief]\nwords = -3\n")
    config = str(tmp_path / "config.toml")
    clean = run("status", "--config", config)
    assert clean.exit_code == 1 and "digest: error:" in clean.output
    traced = run("status", "--config", config, "--debug")
    assert traced.exit_code == 1 and traced.exception is not None
    assert "digest: error:" not in traced.output


def test_an_unknown_method_names_the_flag(tmp_path):
    make_inbox(tmp_path, {"a.txt": RAIL_A})
    result = run("brief", str(tmp_path / "a.txt"), "--method", "lexrnak")
    assert result.exit_code == 2
    assert "Invalid value for '--method': 'lexrnak' is not one of" in result.output
    assert "config.toml" not in result.output


def test_an_ambiguous_story_id_lists_the_stories_it_begins(tmp_path):
    config = project(tmp_path, {"a.txt": RAIL_A, "b.txt": RAIL_B, "c.txt": STORM})
    assert run("build", "--config", config).exit_code == 0
    result = run("explain", "s", "--config", config)
    assert result.exit_code == 1 and "no story 's'; it begins 2 stories:" in result.output
    assert "Lowmarsh backs tram plan in 8-3 vote" in result.output  # the digest's headline
    assert "Storm knocks out power to 20,000 homes" in result.output


def test_a_first_build_of_an_empty_inbox_says_so(tmp_path):
    config = project(tmp_path)
    result = run("build", "--config", config)
    assert result.exit_code == 0
    assert f"The inbox {tmp_path / 'inbox'} is empty: drop article files" in result.output
    assert "since the last digest" not in result.output


def test_archive_rebuilds_the_index_and_a_failed_refresh_fails_the_build(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.html.j2").write_text("{{ archive.title }} {{ 1 // 0 }}")
    config = project(tmp_path, {"a.txt": RAIL_A}, templates=templates)
    failed = run("build", "--config", config)
    assert failed.exit_code == 1
    assert "template index.html.j2:1 failed: ZeroDivisionError" in failed.output
    assert "`digest archive` tries again" in failed.output
    assert list((tmp_path / "outbox").glob("digest-*.html"))  # the digest itself stands

    (templates / "index.html.j2").unlink()  # the built-in index from now on
    rebuilt = run("archive", "--config", config)
    assert rebuilt.exit_code == 0 and "index.html" in rebuilt.output
    assert "digest-" in (tmp_path / "outbox" / "index.html").read_text()


def test_previews_reuse_one_folder_per_project(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    config = project(tmp_path / "p", {"a.txt": RAIL_A, "c.txt": STORM})
    first = run("preview", "--config", config)
    second = run("preview", "--config", config)
    assert first.exit_code == second.exit_code == 0 and first.output == second.output
    # (jinja2 may keep its compiled templates in a folder of its own there)
    folders = [p for p in (tmp_path / "tmp").iterdir() if not p.name.startswith("_jinja2-cache")]
    assert len(folders) == 1 and folders[0].name.startswith("digest-preview-")
    assert len(list(folders[0].glob("digest-*"))) == 3  # one digest, in three formats
    assert run("build", "--config", config).exit_code == 0
    assert "would be empty" in run("preview", "--config", config).output
    # --all considers every story; all were shown, so the next digest is empty too.
    assert "would be empty" in run("preview", "--all", "--config", config).output


def _commands(group, path=()):
    """(command path, command) for the group and every command under it."""
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, (*path, name))


def test_every_help_reads_whole_at_80_columns():
    commands = list(_commands(main))
    assert len(commands) >= 15  # the group, every command, and the feeds group's own
    for path, command in commands:
        output = CliRunner().invoke(main, [*path, "--help"], terminal_width=80).output
        body = output.partition("\n")[2]  # the usage line's "[ARGS]..." is click's own
        assert output.startswith("Usage: ") and body.strip(), path
        assert "..." not in body and "…" not in body, (path, output)
        assert all(len(line) <= 80 for line in output.splitlines()), (path, output)
        for param in command.params:  # every option says what it does
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)
