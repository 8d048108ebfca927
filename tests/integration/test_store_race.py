"""Two real processes opening the same brand-new state db at the same moment.

Before the fix, one process could see ``meta`` created but ``schema_version`` not yet written
(each schema statement committed on its own) and move a healthy db aside as unreadable.

The children are plain ``python -c`` processes held in step over their pipes: multiprocessing
would start its resource tracker, a process that outlives the test and writes its coverage
data after the run has gathered it (a stray ``.coverage.*`` file in the checkout).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROUNDS = 300  # the old code lost a db in 0.5 to 12% of opens here: 6 runs in 6 failed
WAIT = 120.0  # seconds: a limit that fails loudly, never a synchronisation

# In a child: each round, say "ready", wait for "go", then open the round's fresh db; at the
# end, one JSON line with what every open found.
CHILD = """
import json, sys
from pathlib import Path
from yike_tui.store import Store

base, rounds = Path(sys.argv[1]), int(sys.argv[2])
results = []
for n in range(rounds):
    print("ready", flush=True)
    assert sys.stdin.readline() == "go\\n"
    store = Store.open(base / f"round{n:03d}" / "state.sqlite3")
    results.append([n, store.in_memory, store.notice])
    store.close()
print(json.dumps(results), flush=True)
"""


def test_two_processes_opening_a_new_db_never_move_it_aside(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", CHILD, str(tmp_path), str(ROUNDS)]
    procs = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for _ in range(ROUNDS):
            for proc in procs:  # both are at the start line...
                assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
            for proc in procs:  # ...and go together
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
        results = []
        for proc in procs:
            assert proc.stdout is not None
            results.extend(json.loads(proc.stdout.readline()))
            assert proc.wait(WAIT) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(WAIT)
    assert len(results) == 2 * ROUNDS
    bad = [(n, in_memory, notice) for n, in_memory, notice in results if in_memory or notice]
    assert bad == [], f"{len(bad)} of {2 * ROUNDS} opens degraded; first: {bad[:3]}"
    aside = sorted(p.relative_to(tmp_path) for p in tmp_path.glob("round*/*.corrupt-*"))
    assert aside == []
    # Every round left one healthy db holding the current schema.
    from yike_tui.store import Store

    for n in (0, ROUNDS - 1):
        with Store.open(tmp_path / f"round{n:03d}" / "state.sqlite3", prune=False) as store:
            assert store.notice == "" and not store.in_memory
