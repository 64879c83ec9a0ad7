"""The results as plain-text tables: machine, one table per workload, then the targets."""

from __future__ import annotations

from typing import Any


def format_table(results: dict[str, Any]) -> str:
    """Every workload's rows (best, median, spread, ratios, loss) and the targets' verdicts."""
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    s = results["settings"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, {versions}; "
        f"BLAS {m['blas']}; OMP/MKL/OPENBLAS_NUM_THREADS={m['threads']}",
    ]
    peak = results.get("matmul_peak")
    if peak:
        lines.append(
            f"numpy matmul peak ({peak['n']}x{peak['n']} @ {peak['n']}x{peak['n']}): "
            + ", ".join(f"{dt} {g:.1f} GFLOP/s" for dt, g in peak["gflops"].items())
        )
    lines.append(
        f"best of {s['rounds']} rounds x {s['repeats']} repeats (after {s['warmup']} warm-up) "
        "per case, median beside it; each case in its own process, rounds interleaved; "
        "ratios use the best wall time"
        + (" [--quick: tiny sizes, the times mean nothing]" if s["quick"] else "")
    )
    for name, w in results["workloads"].items():
        lines += ["", f"{name}: {w['title']}"]
        lines += _chain_lines(w) if w["self_timed"] else _timed_lines(w)
    if results["targets"]:
        lines += ["", "targets (issue 16), judged on the best-of-repeats figure:"]
        lines += [_target_line(t) for t in results["targets"]]
    return "\n".join(lines)


def _number(value: float | None, width: int, spec: str) -> str:
    return f"{'':{width}}" if value is None else f"{value:{width}{spec}}"


def _timed_lines(w: dict[str, Any]) -> list[str]:
    """A timed workload's header, one line per engine, and its footnote."""
    flops = any("gflops" in r for r in w["cases"])
    unit = w["unit"].split("/")[0]
    header = f"  {'engine':34} {'dtype':8} {'best ' + unit:>9} {'median ' + unit:>9} {'spread':>6}"
    header += f" {'ratio':>6} {'med.ratio':>9} {'cpu ' + unit:>9}"
    lines = [header + (f" {'GFLOP/s':>8}" if flops else "") + "  loss"]
    scale = w["per_repeat"]
    for r in w["cases"]:
        head = f"  {r['label']:34} {r['dtype']:8}"
        if r["status"] != "ok":
            lines.append(f"{head} {r['note']}")
            continue
        row = f"{head} {r['best'] * scale:9.4g} {r['median'] * scale:9.4g}"
        row += f" {_number(r['spread'], 6, '.2f')} {_number(r['ratio'], 6, '.2f')}"
        row += f" {_number(r['median_ratio'], 9, '.2f')} {r['cpu_best'] * scale:9.4g}"
        row += f" {_number(r.get('gflops'), 8, '.2f')}" if flops else ""
        loss = "-" if r["loss"] is None else f"{r['loss']:.10g}"
        lines.append(f"{row}  {loss}")
    diff = w["max_loss_difference"]
    lines.append(
        f"  unit {w['unit']}; best = fastest timed repeat, spread = slowest / fastest; "
        f"ratio = best / {w['reference']}'s best (same dtype), med.ratio = median / its "
        "median; cpu = best CPU time; "
        "losses agree: "
        + ("yes" if w["losses_agree"] else "NO")
        + ("" if diff is None else f" (largest relative difference {diff:.1e})")
    )
    return lines


def _chain_lines(w: dict[str, Any]) -> list[str]:
    """The deep chain's facts: time per node at n and n/10, memory per node."""
    lines = []
    for r in w["cases"]:
        if r["status"] != "ok":
            lines.append(f"  {r['label']:34} {r['note']}")
            continue
        e = r["extra"]
        lines += [
            f"  {r['label']:34} {e['nodes']:,} nodes: backward best {r['best']:.3f} s, median "
            f"{r['median']:.3f} s, cpu {r['cpu_best']:.3f} s ({e['ns_per_node']:.0f} ns/node; "
            f"{e['ns_per_node_small']:.0f} ns/node at {e['nodes'] // 10:,}); "
            f"build {e['build_s']:.3f} s",
            f"  {'':34} memory: {e['bytes_per_node_held']:.0f} B/node held after backward, "
            f"{e['bytes_per_node_peak']:.0f} B/node peak (tracemalloc, "
            f"{e['tracemalloc_nodes']:,}-node chain); {e['rss_bytes_per_node']:.0f} B/node "
            f"growth of peak RSS ({e['nodes']:,}-node chain)",
        ]
    return lines


def _target_line(t: dict[str, Any]) -> str:
    """``  nielsen: ours-f32 time / numpy-f32 time <= 1.5 (aim 1.3): 1.42 (median 1.55)
    -> met, aim missed``."""
    aim = f" (aim {t['aim']:g})" if t["aim"] is not None else ""
    value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
    if t["median"] is not None:
        value += f" (median {t['median']:.2f})"
    verdict = t["verdict"]
    if t["aim_met"] is not None and t["met"]:
        verdict += ", aim met" if t["aim_met"] else ", aim missed"
    return f"  {t['target']}{aim}: {value} -> {verdict}"
