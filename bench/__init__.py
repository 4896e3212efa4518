"""Benchmarks: run on this machine, never as timed unit tests."""
