"""The libraries digest reads pages with keep their own log lines to themselves: what the user
sees about a file is digest's, naming the file."""

from __future__ import annotations

import subprocess
import sys

from .conftest import make_inbox

SENTENCES = (
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring. "
    "Engineers found that two of the pier's timber piles had rotted through below the waterline."
)


def test_trafilatura_s_errors_do_not_reach_the_user_and_digest_names_the_file(tmp_path):
    make_inbox(
        tmp_path,
        {
            "fragment.html": f"<p>{SENTENCES}</p>",  # no <html>: trafilatura logs an error
            "frames.html": "<html><frameset><frame src='a.html'></frameset></html>",
            "title.html": "<html><head><title>Pier to close for repairs</title></head></html>",
        },
    )
    names = ["fragment.html", "frames.html", "title.html"]
    done = subprocess.run(
        [sys.executable, "-m", "digest", "-q", "brief", *names],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert "harbour board voted" in done.stdout
    logged = [line.split(" ", 2)[2] for line in done.stderr.splitlines()]  # without the time
    assert logged == [
        "WARNING frames.html: skipped: no article text found in the page",
        "WARNING title.html: skipped: no article text found in the page",
    ]
