"""`python -m digest.evaluate rouge|cluster DATASET.jsonl [options]`."""

from __future__ import annotations

import sys

from digest.errors import DigestError

USAGE = """usage: python -m digest.evaluate COMMAND DATASET.jsonl [options]

commands:
  rouge     score briefs against human reference summaries (summarization format)
  cluster   score story clustering against labelled stories (clustering format)
  update    score update briefs, daily and one-shot, against DUC 2007's update task

Run `python -m digest.evaluate COMMAND --help` for a command's options."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "rouge":
        from digest.evaluate.rouge import main as run
    elif command == "cluster":
        from digest.evaluate.clusters import main as run
    elif command == "update":
        from digest.evaluate.update import main as run
    else:
        print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    try:
        return run(rest)
    except DigestError as error:  # a bad data set: a message, not a traceback
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
