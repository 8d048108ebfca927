"""The model and what everything stands on: jobs, events, ids, config, paths, exits,
the documented values. Imports nothing of yike-tui but ``safety``.
"""
