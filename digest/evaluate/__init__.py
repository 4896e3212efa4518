"""Evaluation commands on labelled data passed as a path (never shipped with digest)."""
