"""The benchmark script (demos/bench.py) in its --quick smoke mode: every workload and every
installed engine runs, the table and the JSON have their structure, and every engine reports
the same loss. No timing is checked: the numbers depend on the machine."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_PATH = Path(__file__).resolve().parent.parent / "demos" / "bench.py"


def load_bench():
    """demos/bench.py as a module (demos is not a package)."""
    spec = importlib.util.spec_from_file_location("demos_bench", BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@pytest.fixture(scope="module")
def quick_results() -> dict:
    """One --quick --json run of every workload (each case in its own process)."""
    done = subprocess.run(
        [sys.executable, str(BENCH_PATH), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_every_workload_and_engine_is_reported(quick_results):
    assert list(quick_results["workloads"]) == list(bench.WORKLOADS)
    for name, workload in bench.WORKLOADS.items():
        rows = quick_results["workloads"][name]["cases"]
        assert [r["engine"] for r in rows] == [e.key for e in workload.engines]
        for engine, row in zip(workload.engines, rows):
            installed = engine.needs is None or importlib.util.find_spec(engine.needs)
            if not installed:
                assert row["status"] == "skipped"
                assert bench.INSTALL_PEERS in row["note"]
            elif name == "deep" and engine.key == "micrograd":
                assert row["status"] == "failed"
                assert "RecursionError" in row["note"]  # its topological sort is recursive
            else:
                assert row["status"] == "ok", row.get("note")
                assert len(row["walls"]) == len(row["cpus"]) == 1  # 1 round x 1 repeat
                assert row["wall"] > 0 and row["cpu"] >= 0


def test_all_engines_agree_on_the_loss(quick_results):
    for name in ("scalar", "nielsen", "large"):
        workload = quick_results["workloads"][name]
        assert workload["losses_agree"], workload["cases"]
        scored = [r for r in workload["cases"] if r["status"] == "ok" and r["loss"] is not None]
        assert len(scored) >= 2
    scalar = [r for r in quick_results["workloads"]["scalar"]["cases"] if r["status"] == "ok"]
    assert max(r["loss"] for r in scalar) - min(r["loss"] for r in scalar) < 1e-12


def test_ratios_flops_and_settings(quick_results):
    for name in ("nielsen", "large"):
        rows = {r["engine"]: r for r in quick_results["workloads"][name]["cases"]}
        assert rows["numpy-f32"]["ratio"] == 1.0
        assert rows["ours-f32"]["ratio"] > 0 and rows["ours-f32"]["gflops"] > 0
        assert rows["matmul-f32"]["loss"] is None
    scalar = {r["engine"]: r for r in quick_results["workloads"]["scalar"]["cases"]}
    assert scalar["ours"]["ratio"] == 1.0
    settings = quick_results["settings"]
    assert settings["quick"] and "wall" in settings["ratios_use"]
    assert set(settings["environment"]) == set(bench.THREAD_VARIABLES)
    assert len(set(settings["environment"].values())) == 1  # the same for every variable
    assert quick_results["machine"]["cores"] >= 1
    assert set(quick_results["matmul_peak"]["gflops"]) == {"float64", "float32"}
    deep = quick_results["workloads"]["deep"]["cases"][0]["extra"]
    assert deep["nodes"] == bench.QUICK_SIZES["deep"]["nodes"]
    assert deep["bytes_per_node_held"] > 0


def test_targets_name_the_engines_and_a_verdict(quick_results):
    targets = quick_results["targets"]
    assert len(targets) == len(bench.TARGETS) + 2  # and the deep chain's memory and linearity
    for target in targets:
        assert target["met"] in (True, False, None)
        assert (target["value"] is None) == (target["met"] is None)
        assert target["limit"] > 0


def test_the_table_shows_every_workload_losses_and_targets(quick_results):
    table = bench.format_table(quick_results)
    for name, workload in bench.WORKLOADS.items():
        assert f"{name}: {workload.title}" in table
    assert table.count("losses agree: yes") == 3
    assert "GFLOP/s" in table and "numpy matmul peak" in table
    assert "targets (issue 7)" in table
    if importlib.util.find_spec("micrograd") is not None:  # the peer is optional
        assert "RecursionError" in table
    assert "--quick" in table


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit) as stop:
        bench.main(["--workloads", "nielsen,nope"])
    assert stop.value.code == 2
    assert "unknown workload" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])


def test_a_skipped_peer_is_reported_with_the_install_command():
    engine = bench.Engine("x", "a peer", needs="no_such_package_for_chaingrad")
    row = bench._row(engine, [])
    assert row["status"] == "skipped"
    assert "pip install micrograd torch==2.13.0" in row["note"]
