"""Merge-speed benchmark: merge 10 reviewers' bundles of 100,000 decisions into a team store.

    python benchmarks/merge_speed.py [--bundles N] [--decisions N] [--items N] [--runs N]
                                     [--out DIR]

It builds one store of --items synthetic items (synthetic_store.generate_items through
Store.add_items) and copies it once per reviewer, giving each copy a store id of its own, as
if every reviewer had imported the same items file. Each reviewer store gets --decisions
decision events, written with one executemany INSERT in the columns that Store.add_decision
and Store.retract_last write, and is then bundled with write_bundle.

The figure is the wall time of opening a new team store and merging all bundles into it with
merge_bundle, the median of --runs runs, each into a fresh team store. A second merge of the
same bundles into the last team store must add nothing; its time is reported too. The exit
status is 0 when the median meets TARGET_SECONDS, 1 when it misses and 2 when a check of the
merged store failed. docs/benchmarks.md records results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from machine import base_facts
from synthetic_store import generate_items, taxonomy

from triage_app.store.bundle import BUNDLE_FORMAT_VERSION, MergeSummary, merge_bundle, write_bundle
from triage_app.store.store import Store

BENCHMARKS_DIR = Path(__file__).resolve().parent
TARGET_SECONDS = 30.0
PROJECT = "merge-speed-benchmark"
SEED = 20261206

SKIP_RATE = 0.05
# The chance that a reviewer overturns a suggestion of confidence c is this times (1 - c).
OVERTURN_SCALE = 0.7
# Share of labelling decisions that their reviewer retracts (Undo) right after making them.
RETRACT_RATE = 0.01
NOTE_RATE = 0.01
# Each reviewer's decisions start on this UTC day and follow each other every 2 to 30 s.
FIRST_DAY = datetime.datetime(2026, 11, 2, 7, 0, tzinfo=datetime.UTC)

_INSERT = (
    "INSERT INTO decisions (item_id, reviewer, action, label, suggestion_id, model_label, "
    "model_confidence, decided_at, duration_ms, note, adjudication, retracts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def main() -> int:
    args = parse_args()
    out_dir: Path = args.out

    print("Machine:")
    facts = machine_facts()
    for key, value in facts.items():
        print(f"  {key}: {value}")

    record = read_build_record(out_dir, args) if args.reuse else None
    if record is None:
        print(f"Building {args.bundles} bundles of {args.decisions:,} decisions over "
              f"{args.items:,} shared items in {out_dir}")  # fmt: skip
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        started = time.perf_counter()
        build_bundles(out_dir, args)
        record = write_build_record(out_dir, args, time.perf_counter() - started)
    else:
        print(f"Reusing the bundles built on {record['built_at']} in {out_dir}")
    for stale in out_dir.glob("team-*.db*"):
        stale.unlink()
    bundles = [out_dir / name for name in record["bundle_files"]]
    build_seconds = record["build_seconds"]
    bundle_bytes = sum(path.stat().st_size for path in bundles)
    print(f"  built in {build_seconds:.0f} s; bundles total {bundle_bytes / 1e6:.0f} MB")
    print(f"  load average before the runs: {_load_average()}")

    expected = args.bundles * args.decisions
    runs = []
    for run in range(1, args.runs + 1):
        team_db = out_dir / f"team-{run}.db"
        seconds, merged = time_merge(team_db, bundles)
        added = sum(summary.decisions_added for _, summary in merged)
        per_bundle = ", ".join(f"{bundle_seconds:.2f}" for bundle_seconds, _ in merged)
        print(f"  run {run}: {seconds:.2f} s, {added:,} decisions added; "
              f"seconds per bundle: {per_bundle}")  # fmt: skip
        if added != expected or count_decisions(team_db) != expected:
            print(f"FAILED: run {run} added {added:,} decisions, expected {expected:,}")
            return 2
        runs.append(seconds)
        if run < args.runs:
            remove_store(team_db)

    before = table_counts(team_db)
    again_seconds, merged = time_merge(team_db, bundles)
    again_added = sum(summary.decisions_added for _, summary in merged)
    again_present = sum(summary.decisions_present for _, summary in merged)
    print(f"  second merge into the same team store: {again_seconds:.2f} s, "
          f"{again_added:,} added, {again_present:,} already present")  # fmt: skip
    if again_added != 0 or table_counts(team_db) != before:
        print("FAILED: the second merge changed the team store")
        return 2

    median = statistics.median(runs)
    verdict = "PASS" if median < TARGET_SECONDS else "MISS"
    print(f"  load average after the runs: {_load_average()}")
    print(f"{verdict}: merge of {args.bundles} bundles of {args.decisions:,} decisions, median "
          f"of {args.runs} runs {median:.2f} s (runs {', '.join(f'{s:.2f}' for s in runs)}), "
          f"target < {TARGET_SECONDS:.0f} s")  # fmt: skip

    results = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "arguments": {key: str(value) for key, value in vars(args).items()},
        "machine": facts,
        "build_seconds": build_seconds,
        "bundle_bytes": bundle_bytes,
        "team_store_bytes": team_db.stat().st_size,
        "runs_seconds": runs,
        "median_seconds": median,
        "second_merge_seconds": again_seconds,
        "load_average_after": _load_average(),
        "verdict": verdict,
    }
    (out_dir / "merge-speed-results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if verdict == "PASS" else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundles", type=_positive, default=10, help="reviewer bundles")
    parser.add_argument(
        "--decisions", type=_positive, default=100_000, help="decision events per bundle"
    )
    parser.add_argument(
        "--items", type=_positive, default=100_000, help="items shared by every reviewer store"
    )
    parser.add_argument("--runs", type=_positive, default=3, help="timed merges, fresh stores")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the bundles in --out when an earlier run built them with the same sizes",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCHMARKS_DIR / "out" / "merge-speed",
        help="folder for the stores and bundles, emptied before a build (default: %(default)s)",
    )
    return parser.parse_args()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def read_build_record(out_dir: Path, args: argparse.Namespace) -> dict | None:
    """Return the record of an earlier build of the same bundles in `out_dir`, or None."""
    try:
        record = json.loads((out_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("sizes") != _build_sizes(args):
        return None
    if not all((out_dir / name).is_file() for name in record["bundle_files"]):
        return None
    return record


def write_build_record(out_dir: Path, args: argparse.Namespace, seconds: float) -> dict:
    record = {
        "sizes": _build_sizes(args),
        "bundle_files": [f"reviewer-{number:02d}.bundle" for number in range(1, args.bundles + 1)],
        "build_seconds": seconds,
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    (out_dir / "build.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def _build_sizes(args: argparse.Namespace) -> dict[str, int]:
    # The generator and the bundle format are part of what was built.
    return {
        "bundles": args.bundles,
        "decisions": args.decisions,
        "items": args.items,
        "seed": SEED,
        "bundle_format": BUNDLE_FORMAT_VERSION,
    }


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def build_bundles(out_dir: Path, args: argparse.Namespace) -> list[Path]:
    """Build the shared item store, one reviewer store per bundle, and the bundles."""
    base = out_dir / "items.db"
    started = time.perf_counter()
    with Store(base) as store:
        store.set_project_id(PROJECT)
        labels = taxonomy()
        store.add_taxonomy(labels)
        store.add_items(generate_items(args.items, labels, log=lambda line: None))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"  {args.items:,} items written in {time.perf_counter() - started:.0f} s")

    bundles = []
    for number in range(1, args.bundles + 1):
        reviewer = f"reviewer-{number:02d}"
        store_path = out_dir / f"{reviewer}.db"
        shutil.copyfile(base, store_path)
        # A copied store file keeps the original's store id; a reviewer's own store has its own.
        with closing(sqlite3.connect(store_path)) as conn, conn:
            conn.execute("UPDATE project SET value = ? WHERE key = 'store_id'", (uuid.uuid4().hex,))

        bundle = out_dir / f"{reviewer}.bundle"
        with Store(store_path) as store:
            write_decisions(store, reviewer, args.decisions, seed=SEED + number)
            write_bundle(store, bundle)
        remove_store(store_path)
        bundles.append(bundle)
    remove_store(base)
    return bundles


def write_decisions(store: Store, reviewer: str, count: int, *, seed: int) -> None:
    """Log `count` decision events of `reviewer` in one transaction.

    The decisions table must be empty, so that the rows get ids 1, 2, 3, ... and each retract
    can name its target's id. The queue is not updated, because bundles do not read it.
    """
    suggestions = store.conn.execute(
        "SELECT q.item_id, s.id, s.label, s.confidence, s.distribution "
        "FROM queue q JOIN suggestions s ON s.id = q.suggestion_id ORDER BY q.item_id"
    ).fetchall()
    with store.transaction():
        store.conn.executemany(_INSERT, _decision_rows(suggestions, reviewer, count, seed))


def _decision_rows(
    suggestions: list[tuple], reviewer: str, count: int, seed: int
) -> Iterator[tuple]:
    rng = random.Random(seed)
    order = list(range(len(suggestions)))
    rng.shuffle(order)
    moment = FIRST_DAY
    event = 0

    while event < count:
        for index in order:
            if event >= count:
                return
            item_id, suggestion_id, model_label, confidence, distribution = suggestions[index]
            moment += datetime.timedelta(milliseconds=rng.randint(2_000, 30_000))
            duration_ms = rng.randint(800, 30_000)

            if rng.random() < SKIP_RATE:
                action, label = "skip", None
            elif rng.random() < OVERTURN_SCALE * (1.0 - confidence):
                others = [name for name in json.loads(distribution) if name != model_label]
                action, label = "overturn", rng.choice(others)
            else:
                action, label = "accept", model_label
            note = "Checked the customer's earlier message." if rng.random() < NOTE_RATE else ""

            yield (item_id, reviewer, action, label, suggestion_id, model_label, confidence,
                   _utc(moment), duration_ms, note, 0, None)  # fmt: skip
            event += 1

            if action != "skip" and event < count and rng.random() < RETRACT_RATE:
                moment += datetime.timedelta(milliseconds=rng.randint(300, 3_000))
                yield (item_id, reviewer, "retract", None, suggestion_id, model_label,
                       confidence, _utc(moment), 0, "", 0, event)  # fmt: skip
                event += 1


def _utc(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def time_merge(
    team_db: Path, bundles: list[Path]
) -> tuple[float, list[tuple[float, MergeSummary]]]:
    """Open the team store and merge every bundle; return the total and per-bundle times."""
    started = time.perf_counter()
    merged = []
    with Store(team_db) as team:
        for bundle in bundles:
            bundle_started = time.perf_counter()
            summary = merge_bundle(team, bundle)
            merged.append((time.perf_counter() - bundle_started, summary))
    return time.perf_counter() - started, merged


def count_decisions(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT count(*) FROM decisions").fetchone()[0]


def table_counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables
        }


def remove_store(path: Path) -> None:
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)


def machine_facts() -> dict[str, str]:
    """Collect the machine facts the merge figures depend on."""
    return base_facts()


if __name__ == "__main__":
    sys.exit(main())
