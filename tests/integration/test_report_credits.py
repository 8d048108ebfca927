"""`report` with each job's credit cost and the total (issue 16), where the API gives it: the
Yike product's JobCredit. Real HTTP to the simulator, the CLI run in-process; the expected
figures come from the simulator's own answer, not from yike-tui's parser."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from yike_tui.api.credits import YIKE_API_VERSION
from yike_tui.sim import SimulatorThread
from yike_tui.sim.payload import job_result

NOW = 300.0  # simulator seconds: some jobs part done, some finished


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with demo_for_commands(monkeypatch, clock=lambda: NOW) as thread:
        yield thread


def expected_costs(sim: SimulatorThread) -> dict[str, float]:
    """Each demo job's TotalCreditCost as the simulator answers it at NOW."""
    assert sim.server is not None
    costs = {}
    for job in sim.server.sim.book:
        if job.id in sim.job_ids:
            _, result = job_result(job, NOW, lambda _: "https://o.test/v.mp4?x=1", YIKE_API_VERSION)
            costs[job.id] = float(result["JobCredit"]["TotalCreditCost"])
    return costs


def report(fmt: str, api: str, ids: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(["report", "--api", api, "--format", fmt, *ids], capsys)
    assert code == 0, err
    return out


def test_markdown_has_a_credit_column_and_the_total(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = expected_costs(sim)
    total = sum(costs.values())
    assert total > 0 and len(costs) == len(sim.job_ids) > 1
    out = report("md", "yike", sim.job_ids, capsys)
    lines = out.splitlines()
    assert lines[0].endswith("| Output | Credits |")
    for job_id, cost in costs.items():
        row = next(line for line in lines if f"| {job_id} |" in line)
        assert number(row.rsplit("|", 2)[1]) == cost
    last = re.fullmatch(r"Credits: ([\d,.]+) in total over (\d+) jobs\.", lines[-1])
    assert last is not None, lines[-1]
    assert number(last[1]) == pytest.approx(total) and int(last[2]) == len(costs)


def number(text: str) -> float:
    return float(text.strip().replace(",", ""))


def test_csv_ends_with_a_total_line(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = expected_costs(sim)
    rows = list(csv.DictReader(io.StringIO(report("csv", "yike", sim.job_ids, capsys))))
    *jobs, total = rows
    assert {row["job_id"]: float(row["credit_cost"]) for row in jobs} == costs
    assert total["status"] == "total" and total["job_id"] == ""
    assert float(total["credit_cost"]) == pytest.approx(sum(costs.values()))
    assert int(total["storyboards_total"]) == sum(int(row["storyboards_total"]) for row in jobs)


def test_json_gives_each_job_its_cost_and_stays_a_list_of_jobs(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = expected_costs(sim)
    records = json.loads(report("json", "yike", sim.job_ids, capsys))
    assert [r["job_id"] for r in records] == sim.job_ids
    assert {r["job_id"]: r["credit_cost"] for r in records} == costs


def test_ice_sends_no_job_credit_so_no_column(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    out = report("md", "ice", sim.job_ids, capsys)
    assert "Credits" not in out
    assert out.splitlines()[0].endswith("| Output |")
    header = report("csv", "ice", sim.job_ids, capsys).splitlines()[0]
    assert "credit_cost" not in header


def test_cached_report_keeps_each_jobs_cost_and_the_total(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """The state db keeps a job's credit cost beside its snapshot: `report --cached` (no
    request) has the column and the total after a `watch --once` saw the jobs."""
    costs = expected_costs(sim)
    ids = list(costs)
    code, _, err = run(["watch", "--once", "--api", "yike", *ids], capsys)
    assert code in (0, 1), err
    code, out, err = run(["report", "--cached", "--format", "csv", *ids], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {row["job_id"]: row for row in rows if row["status"] != "total"}
    for job_id, cost in costs.items():
        assert number(by_id[job_id]["credit_cost"]) == pytest.approx(cost)
    total = next(row for row in rows if row["status"] == "total")
    assert number(total["credit_cost"]) == pytest.approx(sum(costs.values()))
