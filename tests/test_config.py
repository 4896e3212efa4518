"""The config loader: defaults, file values, overrides, and every error reported at once."""

from __future__ import annotations

import pytest

from digest.config import load_config
from digest.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.brief.method == "digest"
    assert config.paths.inbox == tmp_path / "inbox"
    assert config.schedule.cron == "0 7 * * *"


def test_values_and_relative_paths(tmp_path):
    path = write(tmp_path, '[paths]\ninbox = "in"\n[brief]\nwords = 80\n[digest]\nformats = "md"\n')
    config = load_config(path)
    assert config.paths.inbox == tmp_path / "in"
    assert config.paths.outbox == tmp_path / "outbox"
    assert config.brief.words == 80
    assert config.digest.formats == ("md",)


def test_overrides_win_over_file(tmp_path):
    path = write(tmp_path, "[brief]\nwords = 80\n")
    assert load_config(path, **{"brief.words": 50}).brief.words == 50


def test_every_error_is_reported_with_its_key(tmp_path):
    path = write(
        tmp_path,
        '[paths]\ninbx = "x"\n[schedule]\ncron = "every day"\ntimezone = "Mars/Olympus"\n'
        '[brief]\nmethod = "magic"\nwords = "many"\n[digest]\nformats = ["pdf"]\n[colors]\n'
        "a = 1\n[stories]\nthreshold = 1.5\n",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    for expected in (
        "unknown key paths.inbx (did you mean 'inbox'?)",
        "schedule.cron",
        "schedule.timezone",
        "brief.method: unknown method 'magic'; choose from",
        "lexrank",
        "brief.words: expected a whole number",
        "digest.formats",
        "unknown section [colors]",
        "stories.threshold",
    ):
        assert expected in message
    assert "8 error(s)" in message


def test_bad_toml_and_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[paths\n"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_project_config_file_is_valid():
    from pathlib import Path

    config = load_config(Path(__file__).resolve().parent.parent / "config.toml")
    assert config.digest.formats == ("html", "md", "json")


def test_numbers_out_of_range_are_errors_not_tracebacks_later(tmp_path):
    path = write(
        tmp_path,
        "[inbox]\nmax_file_mb = inf\n[watch]\nsettle_seconds = nan\n"
        "[stories]\nwindow_days = 100000000\n",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "inbox.max_file_mb: expected a finite number, got inf" in message
    assert "watch.settle_seconds: expected a finite number, got nan" in message
    assert "stories.window_days: must be at most 36500, got 100000000" in message
    assert "3 error(s)" in message


def test_a_config_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes("\ufeff[brief]\nwords = 80\n".encode())
    assert load_config(path).brief.words == 80


def test_an_empty_list_of_formats_asks_for_one(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, "[digest]\nformats = []\n"))
    assert "at least one format" in str(error.value) and "unknown" not in str(error.value)
    assert "html, md, json" in str(error.value)
    with pytest.raises(ConfigError, match=r"unknown format\(s\) \['pdf'\]"):
        load_config(write(tmp_path, '[digest]\nformats = ["md", "pdf"]\n'))
