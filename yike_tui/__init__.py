"""yike-tui: a terminal monitor for Alibaba Cloud ICE Yike AI storyboard jobs."""

__version__ = "0.1.0"
