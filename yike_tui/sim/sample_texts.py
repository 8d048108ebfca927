"""The bundled sample texts (``sim/samples/*.txt``, package data): short public-domain
stories to submit in the demo, from the command line or the TUI's form."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "samples"
DEMO_SAMPLE = "aesop_fables.txt"
DEMO_SAMPLE_TITLE = "Five Fables of Aesop (submitted from a sample file)"


def sample_files() -> list[Path]:
    """The sample texts, sorted by name (the demo's first)."""
    found = sorted(SAMPLES_DIR.glob("*.txt"))
    return sorted(found, key=lambda p: p.name != DEMO_SAMPLE)


def sample_path(name: str = DEMO_SAMPLE) -> Path:
    return SAMPLES_DIR / name
