"""Golden outputs: the bundled sample inbox's digest, in every format, as checked-in files.

A deliberate change of the digest (a template, the summarizer, the stories) updates them in the
same commit: run `DIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import shutil

import pytest

from digest import pipeline

from .conftest import NOW, ROOT, make_config

GOLDEN = ROOT / "tests" / "golden"
SAMPLE = ROOT / "examples" / "inbox"


def sample_digest(tmp_path):
    """The sample inbox's first digest, built at a fixed time (so nothing in it varies)."""
    config = make_config(tmp_path)
    config.paths.inbox.mkdir(parents=True)
    for path in sorted(SAMPLE.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy(path, config.paths.inbox / path.name)
    result = pipeline.build(config, now=NOW)
    return {path.suffix[1:]: path.read_text() for path in result.written if path.stem != "latest"}


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_sample_digest_matches_its_golden_file(tmp_path, fmt):
    written = sample_digest(tmp_path)[fmt]
    golden = GOLDEN / f"sample.{fmt}"
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        golden.write_text(written)
    assert written == golden.read_text(), f"{golden.name} differs: update it if deliberate"
