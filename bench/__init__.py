"""Benchmarks: scripts that measure the bot at a city's scale (not tests; see README)."""
