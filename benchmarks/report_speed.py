"""Report-speed benchmark: `report --json` and the dashboard on a million decisions.

    python benchmarks/report_speed.py [--decisions N] [--runs N] [--out DIR] [--profile]

It builds (or reuses) a store of N items with one decision each over the 77 banking77 labels,
about 1 % of them retracted, and measures, each as the median of --runs fresh processes:

- `triage-app report --json` cold: with the derived facts_cache table cleared before each run,
  so the report converts every decision and caches the result;
- `report --json` warm: the same right after a cold run, with the cache filled;
- full dashboard refresh, warm, after one more decision, and cold: in a child process
  (report_child.py), from calling DashboardPane.refresh() until report_shown has fired and
  the charts have repainted;
- a baseline: a fresh Python process that runs one SQL aggregate over the same decisions.

Each report must count exactly the effective decisions of the store (accepts and overturns no
retract takes back), or the run stops. docs/benchmarks.md explains each figure and records
results. The exit status is 0 when every figure meets its target, 1 when one misses and 2 when
a measurement failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import synthetic_decisions
from report_child import RESULT_MARKER
from results import ChildFailed, Row, print_table
from review_speed import machine_facts

from triage_app.store.facts_query import CACHE_BLOCK_MIN

BENCHMARKS_DIR = Path(__file__).resolve().parent
CHILD_SCRIPT = BENCHMARKS_DIR / "report_child.py"
DEFAULT_OUT = BENCHMARKS_DIR / "out"
# A child that takes longer than this has hung. A dashboard child runs four refreshes, each of
# which took minutes on 1,000,000 decisions.
CHILD_TIMEOUT_S = 4 * 3600
MB = 1_000_000
TARGET_S = 1.0
# The refreshes each dashboard child times, in the order it times them.
DASHBOARD_REFRESHES = {
    "switch": "switch to the dashboard",
    "warm": "warm refresh",
    "one_more": "refresh after one more decision",
    "cold": "cold refresh",
}
BASELINE_SQL = (
    "SELECT label, model_label, count(*) FROM decisions "
    "WHERE action IN ('accept', 'overturn') GROUP BY 1, 2"
)
BASELINE_PROGRAM = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1])\n"
    f"print(len(conn.execute({BASELINE_SQL!r}).fetchall()))\n"
)


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except ChildFailed as error:
        print(f"report_speed: a measurement failed: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """Build or reuse the store, take every measurement, print and save the figures."""
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"started": _utc_now(), "arguments": _arguments(args)}

    facts = machine_facts()
    results["machine"] = facts
    print(f"Report-speed benchmark, {results['started']}")
    print("Machine")
    for key, value in facts.items():
        print(f"  {key:<12} {value}")
    # Other processes on the machine slow every figure, so the load is part of the record.
    results["load_average_at_start"] = os.getloadavg()
    print(f"  load         {_load_average()} (1, 5 and 15 minute averages)")

    print("\nStore")
    # Each dashboard run decides one pending item, and the profile reads only.
    store = _ensure_store(out_dir, args.decisions, min_pending=args.runs)
    results["store"] = store
    path = Path(store["path"])

    print(f"\nreport --json, {_processes(args.runs)} each, cold and warm in turn")
    results["report"] = measure_report(path, args.runs)

    print(f"\nDashboard refresh, {_processes(args.runs)}")
    results["dashboard"] = measure_dashboard(path, args.runs)

    print(f"\nBaseline: one SQL aggregate, {_processes(args.runs)}")
    results["baseline"] = measure_baseline(path, args.runs)

    print("\nSteps of the report in one process (cold, then warm)")
    results["split"] = measure_split(path)

    if args.profile:
        print("\nProfiling a cold and a warm report with cProfile (times not used in the table)")
        results["profile"] = run_child("profile", path, "--out", str(out_dir))

    rows = result_rows(results, args)
    results["rows"] = [row.__dict__ | {"verdict": row.verdict} for row in rows]
    results["finished"] = _utc_now()
    results["load_average_at_end"] = os.getloadavg()
    results_file = out_dir / "report-speed-results.json"
    results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print()
    print_table(
        rows, "Cold: the facts_cache table was cleared before the run. Warm: it was filled."
    )
    print(f"Load average at the end: {_load_average()}")
    print(f"\nAll figures and samples: {results_file}")
    if args.profile:
        for state, profile in results["profile"].items():
            print(f"\ncProfile of the {state} report: {profile}")
            print_profile(Path(profile))
    return 0 if all(row.passed is not False for row in rows) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure report --json and the dashboard refresh on a large decision log."
    )

    parser.add_argument(
        "--decisions",
        type=_positive,
        default=1_000_000,
        help="items in the store, each decided once (default 1,000,000); about 1 %% of the "
        "decisions are then retracted",
    )

    parser.add_argument(
        "--runs",
        type=_positive,
        default=5,
        help="fresh processes per figure; the table shows their median (default 5)",
    )

    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for the store and results (default benchmarks/out, git-ignored)",
    )

    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, run a cold and a warm report under cProfile and print the top "
        "functions",
    )
    return parser.parse_args()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _ensure_store(out_dir: Path, decisions: int, min_pending: int) -> dict:
    log_store = synthetic_decisions.ensure_log_store(
        out_dir, decisions, min_pending=min_pending, log=print
    )
    record = log_store.record
    built_in = (
        f"{record.items_seconds:.0f} s for the items and {record.decisions_seconds:.0f} s "
        "for the decisions"
    )
    if log_store.built:
        print(f"  built {log_store.path.name} in {built_in}")
    else:
        print(
            f"  reusing {log_store.path.name}, built at {record.built_at} in {built_in} "
            "(delete it to measure the build again)"
        )

    effective = synthetic_decisions.effective_decision_count(log_store.path)
    added = effective - record.effective_decisions
    size_mb = log_store.path.stat().st_size / MB
    print(
        f"    {record.items:,} items, {record.labelling_decisions:,} accepts and overturns "
        f"({record.overturns / record.labelling_decisions:.1%} overturns), "
        f"{record.retracts:,} retracted"
    )
    print(
        f"    {effective:,} effective decisions, of which {added:,} were added by earlier "
        f"dashboard runs; {size_mb:,.0f} MB"
    )
    return {
        "path": str(log_store.path),
        "built": log_store.built,
        "record": record.__dict__,
        "effective_decisions": effective,
        "size_mb": size_mb,
    }


def measure_report(path: Path, runs: int) -> dict:
    """Run `report --json` cold and warm `runs` times each, checking the decision count."""
    expected = synthetic_decisions.effective_decision_count(path)
    command = [sys.executable, "-m", "triage_app", "report", "--db", str(path), "--json"]
    seconds: dict[str, list[float]] = {"cold": [], "warm": []}
    json_bytes = 0

    if expected < CACHE_BLOCK_MIN:
        print(
            f"  note: with fewer than {CACHE_BLOCK_MIN:,} decisions nothing is cached, so cold "
            "and warm runs do the same work"
        )
    for run in range(1, runs + 1):
        for state in ("cold", "warm"):
            if state == "cold":
                synthetic_decisions.clear_facts_cache(path)
            elapsed, output = _time_command(command)
            report = json.loads(output)
            if report["decisions"] != expected:
                raise ChildFailed(
                    f"report --json counted {report['decisions']} decisions, not the "
                    f"{expected} effective decisions in {path}"
                )
            blocks = synthetic_decisions.cached_decision_blocks(path)
            if blocks == 0 and expected >= CACHE_BLOCK_MIN:
                raise ChildFailed(f"report --json left no facts_cache block in {path}")
            seconds[state].append(elapsed)
            json_bytes = len(output.encode())
            print(
                f"  run {run} {state}: {elapsed:.3f} s, {report['decisions']:,} decisions, "
                f"{blocks} cached blocks after it"
            )

    return {
        "decisions": expected,
        "json_bytes": json_bytes,
        "cold_s": seconds["cold"],
        "warm_s": seconds["warm"],
        "cold_median_s": statistics.median(seconds["cold"]),
        "warm_median_s": statistics.median(seconds["warm"]),
    }


def measure_dashboard(path: Path, runs: int) -> dict:
    """Run the dashboard child `runs` times; each times a warm, a +1 and a cold refresh."""
    samples: dict[str, list[dict]] = {kind: [] for kind in DASHBOARD_REFRESHES}
    for run in range(1, runs + 1):
        result = run_child("dashboard", path)
        for kind in DASHBOARD_REFRESHES:
            samples[kind].append(result[kind])
        print(f"  run {run}, {result['decisions_after']:,} decisions at the end:")
        for kind, name in DASHBOARD_REFRESHES.items():
            timings = result[kind]
            charts = ", ".join(f"{chart} {ms:.0f}" for chart, ms in timings["charts_ms"].items())
            print(
                f"    {name}: {timings['total_ms']:.0f} ms = until _show "
                f"{timings['until_show_ms']:.0f} + _show {timings['show_ms']:.0f} + paint "
                f"{timings['paint_ms']:.0f} (show_report ms: {charts})"
            )

    medians = {
        f"{kind}_median_ms": statistics.median(sample["total_ms"] for sample in values)
        for kind, values in samples.items()
    }
    return {"samples": samples, **medians}


def measure_baseline(path: Path, runs: int) -> dict:
    command = [sys.executable, "-c", BASELINE_PROGRAM, str(path)]
    seconds = []
    for run in range(1, runs + 1):
        elapsed, output = _time_command(command)
        seconds.append(elapsed)
        print(f"  run {run}: {elapsed:.3f} s, {output.strip()} (human, model) label pairs")
    return {"sql": BASELINE_SQL, "seconds": seconds, "median_s": statistics.median(seconds)}


def measure_split(path: Path) -> dict:
    split = run_child("split", path)
    print(
        f"  imports {split['imports_ms']:.0f} ms (the child's own, interpreter start-up left out)"
    )
    for state in ("cold", "warm"):
        steps = split[state]
        print(
            f"  {state}: open the store {steps['open_store_ms']:.0f} ms, load_decision_facts "
            f"{steps['load_decision_facts_ms']:.0f} ms, build_report "
            f"{steps['build_report_ms']:.0f} ms, JSON {steps['json_ms']:.0f} ms "
            f"({steps['json_bytes'] / MB:.1f} MB)"
        )
    return split


def run_child(mode: str, path: Path, *extra: str) -> dict:
    """Run report_child.py in `mode` on the store and return its RESULT payload."""
    expected = synthetic_decisions.effective_decision_count(path)
    command = [
        sys.executable,
        str(CHILD_SCRIPT),
        mode,
        str(path),
        "--expected",
        str(expected),
        *extra,
    ]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        completed = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=CHILD_TIMEOUT_S
        )
        lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
        if completed.returncode != 0 or not lines:
            raise ChildFailed(_failure_message(command, completed.returncode, stderr))
    return json.loads(lines[-1][len(RESULT_MARKER) :])


def _time_command(command: list[str]) -> tuple[float, str]:
    """Run `command` and return its wall time in seconds and its standard output."""
    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        completed = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=CHILD_TIMEOUT_S
        )
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise ChildFailed(_failure_message(command, completed.returncode, stderr))
    return elapsed, completed.stdout


def _failure_message(command: list[str], returncode: int, stderr: IO[str]) -> str:
    stderr.seek(0)
    lines = [line for line in stderr.read().splitlines() if "propagateSizeHints" not in line]
    tail = "\n".join(lines[-20:])
    printable = " ".join(part if "\n" not in part else "PROGRAM" for part in command)
    return f"{printable} failed with exit status {returncode}:\n{tail}"


def result_rows(results: dict, args: argparse.Namespace) -> list[Row]:
    """Turn the measurements into table rows, each with its target and verdict."""
    store = results["store"]
    record = store["record"]
    report = results["report"]
    dashboard = results["dashboard"]
    baseline_s = results["baseline"]["median_s"]
    size = f"{store['effective_decisions']:,} decisions"
    target = f"<= {TARGET_S:g} s"
    of_runs = f"median of {args.runs}"

    rows = [
        Row(f"store build, {record['items']:,} items", f"{record['items_seconds']:.0f} s"),
        Row(
            f"store build, {record['labelling_decisions'] + record['retracts']:,} decision events",
            f"{record['decisions_seconds']:.0f} s",
        ),
    ]
    for state in ("cold", "warm"):
        value = report[f"{state}_median_s"]
        rows.append(
            Row(
                f"report --json, {state}, {size} ({of_runs})",
                f"{value:.3f} s",
                target,
                value <= TARGET_S,
            )
        )
    for key, name in (
        ("cold", "cold"),
        ("warm", "warm"),
        ("one_more", "after one more decision"),
    ):
        value = dashboard[f"{key}_median_ms"] / 1000
        rows.append(
            Row(
                f"dashboard refresh, {name}, {size} ({of_runs})",
                f"{value:.3f} s",
                target,
                value <= TARGET_S,
            )
        )
    rows.append(
        Row(
            f"switch to the dashboard, first refresh of a process, warm ({of_runs})",
            f"{dashboard['switch_median_ms'] / 1000:.3f} s",
        )
    )
    rows.append(
        Row(f"baseline SQL aggregate in a fresh process ({of_runs})", f"{baseline_s:.3f} s")
    )
    for state in ("cold", "warm"):
        ratio = report[f"{state}_median_s"] / baseline_s
        rows.append(Row(f"report --json {state} / baseline", f"{ratio:.1f} x"))
    return rows


def print_profile(profile: Path) -> None:
    import pstats

    stats = pstats.Stats(str(profile))
    stats.sort_stats("tottime").print_stats(20)


def _arguments(args: argparse.Namespace) -> dict:
    return {
        key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
    }


def _processes(count: int) -> str:
    return f"{count} fresh process" + ("" if count == 1 else "es")


def _load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


if __name__ == "__main__":
    sys.exit(main())
