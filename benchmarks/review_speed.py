"""Review-speed benchmark: how fast the review window shows items on a store of a million.

    python benchmarks/review_speed.py [--items N] [--decisions N] [--warmup N] [--runs N]
                                      [--out DIR] [--profile]

It measures, against the targets in TARGETS:

- first item shown: wall time from launching a fresh process until that process has opened
  the window on the store and painted the first item (median of --runs launches);
- next item shown: from QTest.keyClick(window, Qt.Key_A) until processEvents() has returned
  with the next item's text and chart repainted (median and p99 of --decisions presses);
- a baseline of that step: the same keypress reading one item's text by rowid into a QLabel;
- resident memory (VmRSS) after the decisions, on the large store and on a 10,000-item one.

Each window runs in its own child process (review_child.py), so the memory of one store does
not mix with the other's. Stores are built in --out through Store.add_items and reused.
docs/benchmarks.md explains each figure and records results. The exit status is 0 when every
figure meets its target, 1 when one misses and 2 when a measurement failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import synthetic_store
from machine import base_facts
from results import ChildFailed, Row, print_table
from review_child import FIRST_ITEM_MARKER, RESULT_MARKER

BENCHMARKS_DIR = Path(__file__).resolve().parent
CHILD_SCRIPT = BENCHMARKS_DIR / "review_child.py"
DEFAULT_OUT = BENCHMARKS_DIR / "out"
SMALL_STORE_ITEMS = 10_000
# A child that takes longer than this has hung, for example on a window that never painted.
CHILD_TIMEOUT_S = 1800
MB = 1_000_000


@dataclass(frozen=True)
class Targets:
    """Targets of the review-speed figures, per keypress, per launch and per process."""

    next_item_median_ms: float = 16.0
    next_item_p99_ms: float = 50.0
    first_item_s: float = 1.5
    memory_mb: float = 300.0
    memory_over_small_store_mb: float = 50.0


TARGETS = Targets()


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except ChildFailed as error:
        print(f"review_speed: a measurement failed: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """Build or reuse the stores, take every measurement, print and save the figures."""
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"started": _utc_now(), "arguments": _arguments(args)}

    facts = machine_facts()
    results["machine"] = facts
    print(f"Review-speed benchmark, {results['started']}")
    print("Machine")
    for key, value in facts.items():
        print(f"  {key:<12} {value}")

    print("\nStores")
    # Each keypress run accepts warmup + decisions items, plus one more shown at the end.
    runs_per_store = 2 if args.profile else 1
    min_pending = (args.warmup + args.decisions + 1) * runs_per_store
    large = _ensure_store(out_dir, args.items, min_pending)
    small = _ensure_store(out_dir, SMALL_STORE_ITEMS, min_pending)
    results["stores"] = {"large": large, "small": small}

    print(f"\nFirst item shown, {args.runs} fresh processes per store")
    results["first_item"] = {
        "large": measure_first_item(Path(large["path"]), args.runs),
        "small": measure_first_item(Path(small["path"]), args.runs),
    }

    print(
        f"\nNext item shown after A, {args.decisions} presses after {args.warmup} warm-up presses"
    )
    results["keypress"] = {
        "large": measure_presses("keypress", Path(large["path"]), args, None),
        "small": measure_presses("keypress", Path(small["path"]), args, None),
        "baseline": measure_presses("baseline", Path(large["path"]), args, None),
    }

    # cProfile slows every Python call, so the profiled presses are an extra run whose times
    # stay out of the table.
    profile = out_dir / "keypress-large-store.prof" if args.profile else None
    if profile is not None:
        print("\nProfiling the next-item step with cProfile (times not used in the table)")
        measure_presses("keypress", Path(large["path"]), args, profile)

    rows = result_rows(results, args)
    results["rows"] = [row.__dict__ | {"verdict": row.verdict} for row in rows]
    results["finished"] = _utc_now()
    results_file = out_dir / "review-speed-results.json"
    results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print()
    print_table(rows, "MB = 1,000,000 bytes; p99 is the nearest-rank 99th percentile.")
    print(f"\nAll figures and samples: {results_file}")
    if profile is not None:
        print(f"cProfile of the large-store presses: {profile}")
        print_profile(profile)
    return 0 if all(row.passed is not False for row in rows) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure first-item and next-item times and memory of the review window."
    )

    parser.add_argument(
        "--items",
        type=_positive,
        default=1_000_000,
        help="items in the large store (default 1,000,000). The small store has 10,000.",
    )

    parser.add_argument(
        "--decisions",
        type=_positive,
        default=300,
        help="measured presses of A per window (default 300). The p99 target needs 200 or more.",
    )

    parser.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="presses of A before measuring, reported apart (default 5)",
    )

    parser.add_argument(
        "--runs",
        type=_positive,
        default=5,
        help="fresh processes per store for the first-item time (default 5)",
    )

    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for the stores and results (default benchmarks/out, git-ignored)",
    )

    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, press A again under cProfile on the large store and print "
        "the top functions",
    )

    args = parser.parse_args()
    if args.warmup < 0:
        parser.error(f"--warmup must be 0 or more, not {args.warmup}")
    presses = args.warmup + args.decisions
    if presses >= min(args.items, SMALL_STORE_ITEMS):
        parser.error(
            f"--warmup {args.warmup} plus --decisions {args.decisions} presses need more items "
            f"than the smaller store has ({min(args.items, SMALL_STORE_ITEMS)}); use fewer "
            "decisions or more --items"
        )
    if args.decisions < 200:
        print(
            f"note: --decisions {args.decisions} is a quick run. The p99 figures need 200 "
            "presses or more to compare with the target."
        )
    return args


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def machine_facts() -> dict[str, str]:
    """Collect the CPU, cores, memory, OS and library versions the figures depend on."""
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    return {
        **base_facts(),
        "PySide6": f"{PySide6.__version__} (Qt {qVersion()})",
        "pyqtgraph": pyqtgraph.__version__,
        "numpy": numpy.__version__,
        "Qt platform": os.environ["QT_QPA_PLATFORM"],
    }


def _ensure_store(out_dir: Path, items: int, min_pending: int) -> dict:
    report = synthetic_store.ensure_store(out_dir, items, min_pending=min_pending, log=print)
    size_mb = report.path.stat().st_size / MB
    if report.built:
        print(f"  built {report.path.name}: {items:,} items in {report.build_seconds:.1f} s")
    else:
        earlier = (
            f"; it was built in {report.build_seconds:.1f} s at {report.built_at}"
            if report.build_seconds is not None
            else ""
        )
        print(
            f"  reusing {report.path.name}: it already holds {items:,} items{earlier} "
            "(delete it to measure the build again)"
        )
    print(f"    {size_mb:,.0f} MB")
    return {
        "path": str(report.path),
        "items": items,
        "built": report.built,
        "build_seconds": report.build_seconds,
        "built_at": report.built_at,
        "size_mb": size_mb,
    }


def measure_first_item(store: Path, runs: int) -> dict:
    """Launch `runs` fresh processes on `store`; time each until its first item is painted."""
    seconds = []
    details = []
    for run in range(1, runs + 1):
        elapsed, detail = _time_first_item(store)
        seconds.append(elapsed)
        details.append(detail)
        print(
            f"  {store.name} run {run}: {elapsed:.3f} s (in the child: imports "
            f"{detail['imports_s']:.3f} s, store and session "
            f"{detail['store_and_session_s']:.3f} s, window {detail['window_s']:.3f} s, "
            f"show and paint {detail['show_and_paint_s']:.3f} s)"
        )
    return {"seconds": seconds, "median_s": statistics.median(seconds), "details": details}


def _time_first_item(store: Path) -> tuple[float, dict]:
    command = [sys.executable, str(CHILD_SCRIPT), "first-item", str(store)]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        elapsed = None
        detail = None
        for line in iter(child.stdout.readline, ""):
            if line.startswith(FIRST_ITEM_MARKER):
                elapsed = time.perf_counter() - started
                detail = json.loads(line[len(FIRST_ITEM_MARKER) :])
                break
        child.stdout.read()
        child.wait(timeout=CHILD_TIMEOUT_S)

        if child.returncode != 0 or detail is None:
            raise ChildFailed(_failure_message(command, child.returncode, stderr))
    if not detail["shown_text_matches"]:
        raise ChildFailed(f"the first window on {store} did not show its first item's text")
    return elapsed, detail


def measure_presses(mode: str, store: Path, args: argparse.Namespace, profile: Path | None) -> dict:
    """Run the child in `mode` (keypress or baseline) on `store` and summarise its samples."""
    command = [
        sys.executable,
        str(CHILD_SCRIPT),
        mode,
        str(store),
        "--decisions",
        str(args.decisions),
        "--warmup",
        str(args.warmup),
    ]
    if profile is not None:
        command += ["--profile", str(profile)]

    with tempfile.TemporaryFile(mode="w+") as stderr:
        completed = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=CHILD_TIMEOUT_S
        )
        lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
        if completed.returncode != 0 or not lines:
            raise ChildFailed(_failure_message(command, completed.returncode, stderr))
    result = json.loads(lines[-1][len(RESULT_MARKER) :])

    totals = [total for total, _ in result["samples"]]
    handlers = [handler for _, handler in result["samples"]]
    summary = {
        "mode": mode,
        "store": store.name,
        "pending_before": result.get("pending_before"),
        "presses": len(totals),
        "median_ms": statistics.median(totals),
        "p99_ms": percentile(totals, 99),
        "max_ms": max(totals),
        "handler_median_ms": statistics.median(handlers),
        "handler_p99_ms": percentile(handlers, 99),
        "warmup_ms": [total for total, _ in result["warmup"]],
        "vm_rss_kib": result["memory_kib"]["VmRSS"],
        "vm_hwm_kib": result["memory_kib"]["VmHWM"],
        "samples_ms": result["samples"],
    }
    name = "app" if mode == "keypress" else "baseline"
    print(
        f"  {name} on {store.name}: median {summary['median_ms']:.2f} ms, "
        f"p99 {summary['p99_ms']:.2f} ms, max {summary['max_ms']:.2f} ms "
        f"(until keyClick returned: median {summary['handler_median_ms']:.2f} ms); "
        f"VmRSS {summary['vm_rss_kib'] * 1024 / MB:.0f} MB"
    )
    return summary


def _failure_message(command: list[str], returncode: int, stderr: IO[str]) -> str:
    stderr.seek(0)
    lines = [line for line in stderr.read().splitlines() if "propagateSizeHints" not in line]
    tail = "\n".join(lines[-20:])
    return f"{' '.join(command)} failed with exit status {returncode}:\n{tail}"


def percentile(values: list[float], percent: float) -> float:
    """Return the nearest-rank percentile: the smallest value at or above `percent` % of them."""
    ordered = sorted(values)
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def result_rows(results: dict, args: argparse.Namespace) -> list[Row]:
    """Turn the measurements into table rows, each with its target and verdict."""
    large_items = f"{args.items:,}"
    small_items = f"{SMALL_STORE_ITEMS:,}"
    first = results["first_item"]
    app = results["keypress"]["large"]
    small_app = results["keypress"]["small"]
    base = results["keypress"]["baseline"]
    large_rss_mb = app["vm_rss_kib"] * 1024 / MB
    small_rss_mb = small_app["vm_rss_kib"] * 1024 / MB
    rows = []

    store = results["stores"]["large"]
    if store["build_seconds"] is None:
        build = "built earlier, time not recorded"
    else:
        build = f"{store['build_seconds']:.0f} s" + ("" if store["built"] else " (earlier run)")
    rows.append(Row(f"store build, {large_items} items", build))
    for key, items in (("large", large_items), ("small", small_items)):
        rows.append(
            Row(
                f"first item shown, {items} items (median of {args.runs})",
                f"{first[key]['median_s']:.3f} s",
                f"<= {TARGETS.first_item_s} s",
                first[key]["median_s"] <= TARGETS.first_item_s,
            )
        )
    for summary, items in ((app, large_items), (small_app, small_items)):
        rows.append(
            Row(
                f"next item shown, {items} items, median",
                f"{summary['median_ms']:.2f} ms",
                f"<= {TARGETS.next_item_median_ms:.0f} ms",
                summary["median_ms"] <= TARGETS.next_item_median_ms,
            )
        )
        rows.append(
            Row(
                f"next item shown, {items} items, p99 of {summary['presses']}",
                f"{summary['p99_ms']:.2f} ms",
                f"<= {TARGETS.next_item_p99_ms:.0f} ms",
                summary["p99_ms"] <= TARGETS.next_item_p99_ms,
            )
        )
    rows.append(
        Row(f"baseline next text, {large_items} items, median", f"{base['median_ms']:.2f} ms")
    )
    rows.append(Row(f"baseline next text, {large_items} items, p99", f"{base['p99_ms']:.2f} ms"))
    rows.append(Row("app / baseline, median", f"{app['median_ms'] / base['median_ms']:.1f} x"))
    rows.append(Row("app / baseline, p99", f"{app['p99_ms'] / base['p99_ms']:.1f} x"))
    rows.append(
        Row(
            f"VmRSS after decisions, {large_items} items",
            f"{large_rss_mb:.0f} MB",
            f"< {TARGETS.memory_mb:.0f} MB",
            large_rss_mb < TARGETS.memory_mb,
        )
    )
    rows.append(Row(f"VmRSS after decisions, {small_items} items", f"{small_rss_mb:.0f} MB"))
    rows.append(
        Row(
            f"VmRSS, {large_items} minus {small_items} items",
            f"{round(large_rss_mb - small_rss_mb):+d} MB",
            f"<= {TARGETS.memory_over_small_store_mb:.0f} MB",
            large_rss_mb - small_rss_mb <= TARGETS.memory_over_small_store_mb,
        )
    )
    return rows


def print_profile(profile: Path) -> None:
    import pstats

    stats = pstats.Stats(str(profile))
    stats.sort_stats("cumulative").print_stats(25)


def _arguments(args: argparse.Namespace) -> dict:
    return {
        key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
    }


def _utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


if __name__ == "__main__":
    sys.exit(main())
