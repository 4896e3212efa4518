"""What a person is told when the state file or its disk fails."""

from __future__ import annotations

import shutil
import sqlite3
from collections import namedtuple

from digest.store import state_fault

Usage = namedtuple("Usage", "total used free")


def test_a_disk_io_error_on_a_nearly_full_disk_gives_both_pieces_of_advice(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda _: Usage(10**9, 10**9 - 500_000, 500_000))
    fault = state_fault(sqlite3.OperationalError("disk I/O error"), tmp_path / "state.db")
    assert fault is not None
    told = str(fault)  # a full disk may be the cause, or the file may be damaged: both are said
    assert "disk I/O error (the disk is full): free some space" in told
    assert "if it persists, the file may be damaged: restore it from a backup" in told


def test_a_full_disk_is_told_as_full(tmp_path):
    fault = state_fault(sqlite3.OperationalError("database or disk is full"), tmp_path / "s.db")
    assert "database or disk is full: free some space" in str(fault)
