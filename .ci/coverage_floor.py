"""Fail when branch coverage of yike_tui/ is under 90% in all, or any module under 80%.

A total can hide one module nobody tests, so each one has a floor too. Reads the
``.coverage`` file the README's test command leaves behind (a partial run of a few tests
leaves one too, so the floors are checked here, in CI, not in every pytest run).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import coverage

TOTAL_FLOOR = 90.0
FLOOR = 80.0


def main() -> int:
    cov = coverage.Coverage()
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out), show_contexts=False)
        report = json.loads(out.read_text())
    files, total = report["files"], report["totals"]["percent_covered"]
    under = [
        f"  {info['summary']['percent_covered']:5.1f}%  {path}"
        for path, info in sorted(files.items())
        if info["summary"]["percent_covered"] < FLOOR
    ]
    print(f"branch coverage of yike_tui/: {total:.1f}% in all (floor {TOTAL_FLOOR:g}%)")
    if under:
        print(f"modules under the {FLOOR:g}% floor:")
        print("\n".join(under))
    else:
        print(f"every module at or over {FLOOR:g}%")
    return 1 if under or total < TOTAL_FLOOR else 0


if __name__ == "__main__":
    sys.exit(main())
