"""The refresh engine, with no UI: job state, schedule, rate limit, diff into
events, announcements, the credit watch. Used headless by ``watch`` and under the TUI.
"""
