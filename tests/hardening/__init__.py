"""Hardening: soak under faults, fuzzed and hostile input, secrets, signals, network."""
