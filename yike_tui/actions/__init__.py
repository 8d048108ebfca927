"""One job's work for the CLI and the TUI alike: download, upload, the novel file,
submit, report, the exec hook, the clipboard.
"""
