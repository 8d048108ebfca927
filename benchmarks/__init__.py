"""Benchmarks: scripts that measure what users feel and print figures (not tests)."""
