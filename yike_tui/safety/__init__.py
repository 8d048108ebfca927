"""Making outside text and files safe: valid, one line, bounded, never through a
symlink; redacting signed URLs. Imports nothing of yike-tui.
"""
