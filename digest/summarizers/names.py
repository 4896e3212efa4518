"""The names of the brief methods, known without importing the methods (the config checks them)."""

from __future__ import annotations

SUMY_METHODS = ("lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic", "edmundson")
METHODS = ("digest", *SUMY_METHODS)  # digest's own method first
