"""Errors meant for a person: the CLI prints their message and exits non-zero."""

from __future__ import annotations


class DigestError(Exception):
    """A problem the user can fix; shown as a clean message, never a traceback."""


class ConfigError(DigestError):
    """The configuration file or a command-line option is wrong."""


class ReadError(DigestError):
    """An inbox file cannot be read as an article."""


class StoreError(DigestError):
    """The state database cannot be used."""


class LockedError(DigestError):
    """Another digest process holds the state."""
