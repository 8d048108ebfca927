"""`report` with each job's credit cost and the total, where the API gives it: the
Yike product's JobCredit, and what each job was charged (GetYikeJobCredit). Real HTTP to the
simulator, the CLI run in-process; the expected figures come from the simulator's own
answer, not from yike-tui's parser, and are compared exactly (Decimal)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.demo_env import demo_for_commands
from tests.hardening.cli_run import run
from yike_tui.api.credits import YIKE_API_VERSION
from yike_tui.sim import SimulatorThread
from yike_tui.sim.app import Reply
from yike_tui.sim.payload import job_charge_body, job_result

NOW = 300.0  # simulator seconds: some jobs part done, some finished


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorThread]:
    with demo_for_commands(monkeypatch, clock=lambda: NOW) as thread:
        yield thread


def expected_costs(sim: SimulatorThread) -> dict[str, Decimal]:
    """Each demo job's TotalCreditCost as the simulator answers it at NOW."""
    assert sim.server is not None
    costs = {}
    for job in sim.server.sim.book:
        if job.id in sim.job_ids:
            _, result = job_result(job, NOW, lambda _: "https://o.test/v.mp4?x=1", YIKE_API_VERSION)
            costs[job.id] = Decimal(str(result["JobCredit"]["TotalCreditCost"]))
    return costs


def expected_charges(sim: SimulatorThread) -> dict[str, tuple[Decimal, str]]:
    """What GetYikeJobCredit answers for each demo job at NOW: (JobCreditCost, status)."""
    assert sim.server is not None
    charges = {}
    for job in sim.server.sim.book:
        if job.id in sim.job_ids:
            body = job_charge_body(job, NOW, "r")
            charges[job.id] = (Decimal(repr(body["JobCreditCost"])), body["CreditStatus"])
    return charges


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
    charges = expected_charges(sim)
    out = report("md", "yike", sim.job_ids, capsys)
    lines = out.splitlines()
    assert lines[0].endswith("| Output | Credits | Charged |")
    for job_id, cost in costs.items():
        row = next(line for line in lines if f"| {job_id} |" in line)
        credits, charged = row.rsplit("|", 3)[1:3]
        assert number(credits) == cost
        assert charged.strip() == f"{charges[job_id][0]:,f} ({charges[job_id][1]})"
    last = re.fullmatch(
        r"Credits: ([\d,.]+) in total over (\d+) jobs\. Charged: ([\d,.]+) over (\d+) jobs\.",
        lines[-1],
    )
    assert last is not None, lines[-1]
    assert number(last[1]) == total and int(last[2]) == len(costs)
    assert number(last[3]) == sum(cost for cost, _ in charges.values())
    assert int(last[4]) == len(charges)


def number(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def test_csv_ends_with_a_total_line(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = expected_costs(sim)
    rows = list(csv.DictReader(io.StringIO(report("csv", "yike", sim.job_ids, capsys))))
    *jobs, total = rows
    assert {row["job_id"]: Decimal(row["credit_cost"]) for row in jobs} == costs
    assert total["status"] == "total" and total["job_id"] == ""
    assert Decimal(total["credit_cost"]) == sum(costs.values())
    charges = expected_charges(sim)
    assert {r["job_id"]: (Decimal(r["charged"]), r["charge_status"]) for r in jobs} == charges
    assert int(total["storyboards_total"]) == sum(int(row["storyboards_total"]) for row in jobs)


def test_json_gives_each_job_its_cost_and_stays_a_list_of_jobs(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    costs = expected_costs(sim)
    records = json.loads(report("json", "yike", sim.job_ids, capsys))
    assert [r["job_id"] for r in records] == sim.job_ids
    assert {r["job_id"]: r["credit_cost"] for r in records} == {
        job_id: str(cost) for job_id, cost in costs.items()
    }  # strings, as the API gives them
    charges = expected_charges(sim)
    assert {r["job_id"]: (Decimal(r["charged"]), r["charge_status"]) for r in records} == charges


def test_ice_sends_no_job_credit_so_no_column(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    out = report("md", "ice", sim.job_ids, capsys)
    assert "Credits" not in out
    assert out.splitlines()[0].endswith("| Output |")
    header = report("csv", "ice", sim.job_ids, capsys).splitlines()[0]
    assert "credit_cost" not in header and "charged" not in header  # nor GetYikeJobCredit


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
        assert number(by_id[job_id]["credit_cost"]) == cost
    total = next(row for row in rows if row["status"] == "total")
    assert number(total["credit_cost"]) == sum(costs.values())


HUGE = "12345678901234567.6"  # a float reads it back as 1.2345678901234568e+16


def answer_huge_credits(sim: SimulatorThread) -> None:
    """The simulator answers every job's JobCredit.TotalCreditCost as ``HUGE``."""
    assert sim.server is not None
    app = sim.server.sim
    handle = app.handle

    def huge(method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        reply = handle(method, target, headers, body)
        if headers.get("x-acs-action") == "GetYikeStoryboardJob" and reply.status == 200:
            answer = json.loads(reply.body)
            answer["JobCredit"]["TotalCreditCost"] = HUGE
            reply.body = json.dumps(answer).encode()
        return reply

    app.handle = huge  # type: ignore[method-assign]


def test_long_credit_figures_stay_exact_from_the_answer_to_every_output(
    sim: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    """get --json, the JSON, CSV and Markdown reports, their totals and the cached report
    (the state db) all keep every digit of "12345678901234567.6"."""
    answer_huge_credits(sim)
    ids = sim.job_ids[:2]
    code, out, err = run(["get", "--api", "yike", "--json", ids[0]], capsys)
    assert code == 0, err
    assert json.loads(out)["credit"]["total_credit_cost"] == HUGE
    assert f'"total_credit_cost": "{HUGE}"' in out  # a string, not a number
    records = json.loads(report("json", "yike", ids, capsys))
    assert [r["credit_cost"] for r in records] == [HUGE, HUGE]
    *rows, total = csv.DictReader(io.StringIO(report("csv", "yike", ids, capsys)))
    assert [r["credit_cost"] for r in rows] == [HUGE, HUGE]
    assert total["credit_cost"] == str(2 * Decimal(HUGE)) == "24691357802469135.2"
    assert "Credits: 24,691,357,802,469,135.2 in total" in report("md", "yike", ids, capsys)
    code, _, err = run(["watch", "--once", "--api", "yike", *ids], capsys)
    assert code in (0, 1), err
    code, out, err = run(["report", "--cached", "--format", "csv", *ids], capsys)
    assert code == 0, err
    *rows, total = csv.DictReader(io.StringIO(out))
    assert [r["credit_cost"] for r in rows] == [HUGE, HUGE]
    assert total["credit_cost"] == "24691357802469135.2"
