"""Smoke tests of the benchmark suite: ``--quick`` runs every case end to end.

Nothing here checks a time. The suite runs in a subprocess, as a user runs
it, so its PyTorch import and its JAX lowering switches stay out of the test
process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# benchmarks/ is a top-level package of the repository, not part of the installed braininit.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import run as bench_run
from benchmarks.harness import Candidate, Row, Settings, Table, run_table

# Peers with rows in --quick mode (Flax NNX rows run only in the full model-builder case).
PEERS = {"torch": "torch", "braintools": "braintools.init"}


@pytest.fixture(scope="module")
def quick_record(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("bench") / "quick.json"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    record = json.loads(path.read_text())
    record["stdout"] = completed.stdout
    return record


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module.split(".")[0]) is not None


def test_quick_run_covers_every_case(quick_record: dict) -> None:
    cases = {table["case"] for table in quick_record["tables"]}
    assert cases == set(bench_run.CASES)


def test_quick_run_prints_every_table(quick_record: dict) -> None:
    for table in quick_record["tables"]:
        assert table["title"] in quick_record["stdout"]


def test_reference_rows_have_ratio_one(quick_record: dict) -> None:
    for table in quick_record["tables"]:
        references = [row for row in table["rows"] if row["name"] == table["reference"]]
        assert len(references) == 1, table["title"]
        assert references[0]["ratio"] == pytest.approx(1.0), table["title"]


def test_braininit_rows_are_measured(quick_record: dict) -> None:
    for table in quick_record["tables"]:
        for row in table["rows"]:
            if row["name"].startswith("braininit"):
                assert row["median"] is not None and row["median"] > 0, (table["title"], row["name"], row["note"])
                assert not row["note"].startswith("failed"), (table["title"], row["name"], row["note"])


def test_jitted_rows_report_compile_stages(quick_record: dict) -> None:
    dense = [table for table in quick_record["tables"] if table["case"] == "dense"]
    row = next(row for row in dense[0]["rows"] if row["name"] == "braininit (jit)")
    for stage in ("trace_s", "lower_s", "compile_s", "first_call_s"):
        assert row[stage] > 0, stage


def test_orthogonal_rows_report_error(quick_record: dict) -> None:
    for table in quick_record["tables"]:
        if table["title"].startswith("Orthogonal"):
            row = next(row for row in table["rows"] if row["name"] == "braininit float32 (jit)")
            assert row["orthogonality_error"] < 1e-5, table["title"]
            assert row["same_bits_as_jax"] == "yes", table["title"]


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_rows_present_or_noted(quick_record: dict, peer: str) -> None:
    names = [row["name"] for table in quick_record["tables"] for row in table["rows"]]
    notes = " ".join(note for table in quick_record["tables"] for note in table["notes"])
    if _installed(PEERS[peer]):
        assert any(peer in name for name in names), peer
    else:
        assert f"{PEERS[peer].split('.')[0]}" in notes, peer


def test_record_lists_environment(quick_record: dict) -> None:
    environment = quick_record["environment"]
    assert environment["jax_backend"]
    assert environment["versions"]["jax"]
    assert quick_record["command"].startswith("python -m benchmarks.run")


def test_failing_candidate_keeps_other_rows() -> None:
    def broken() -> tuple:
        raise RuntimeError("no such kernel")

    candidates = [Candidate("ok", lambda: ((lambda: 1), {})), Candidate("broken", broken)]
    table = run_table("unit", "one failing row", "ok", candidates, Settings(repeats=2, warmup=0))
    ok, failed = table.rows
    assert ok.value is not None
    assert len(ok.samples) == 2
    assert failed.value is None
    assert "RuntimeError" in failed.note
    assert "no such kernel" in failed.note


def test_ratio_divides_by_reference() -> None:
    table = Table("unit", "ratios", "ref", [Row("ref", 2.0), Row("other", 3.0), Row("skipped", None)])
    assert table.ratio(table.rows[1]) == pytest.approx(1.5)
    assert table.ratio(table.rows[2]) is None
    assert "1.50" in table.render()


def test_unknown_case_rejected() -> None:
    with pytest.raises(SystemExit):
        bench_run.parse_args(["--cases", "no_such_case"])
