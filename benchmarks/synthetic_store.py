"""Synthetic review stores for the benchmarks: escalated items over the banking77 taxonomy.

Texts are made of banking77 train messages. Suggestions imitate an LLM's top-10 logprobs,
renormalised to sum to 1. The same seed and size always give the same items.
"""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.store import Store

SEED = 20261204
# Part of the file name: change it whenever the generated items change, so that an old store
# is not reused as if it held the new ones.
FORMAT_VERSION = 1
TOP_LABELS = 10
CONFIDENCE_THRESHOLD = 0.5
HIGH_IMPACT_LABELS = frozenset({"compromised_card", "lost_or_stolen_card", "card_swallowed"})
MODEL_NAME = "bench-llm (synthetic top-10 logprobs)"
METHOD = "top_logprobs"

# Number of train messages joined into one item text, with their weights. banking77 messages
# average 59 characters, so items run from one short sentence to a long email.
_PARTS_WEIGHTS = ((1, 30), (2, 30), (3, 20), (4, 11), (6, 6), (10, 2), (20, 1))
_GREETINGS = ("", "", "", "Hi, ", "Hello, ", "Hi there. ", "Good morning. ", "Dear support, ")
_SIGN_OFFS = ("", "", "", " Thanks.", " Thank you!", " Please help.", " Regards, a customer.")
_CHANNELS = ("chat", "email", "app", "phone transcript")
# Priorities 0-3 with their weights. High-impact labels get at least 1.
_PRIORITY_WEIGHTS = ((0, 70), (1, 20), (2, 8), (3, 2))
# How often the model's top label is the message's own banking77 category.
_MODEL_RIGHT_RATE = 0.6
_PROGRESS_EVERY = 100_000


@dataclass(frozen=True)
class StoreReport:
    """A store ready for measuring, and how long its build took and when it finished.

    The build happened in this call when `built` is True, else in an earlier run, whose time
    is None when that run left no record."""

    path: Path
    items: int
    built: bool
    build_seconds: float | None
    built_at: str | None


def taxonomy() -> Taxonomy:
    return read_taxonomy(_banking77_file("taxonomy.json"))


def store_path(out_dir: Path, items: int) -> Path:
    return out_dir / f"review-speed-v{FORMAT_VERSION}-{items}-items.db"


def ensure_store(
    out_dir: Path, items: int, *, min_pending: int = 0, log: Callable[[str], None] = print
) -> StoreReport:
    """Reuse the store of `items` items in `out_dir`, or build it through Store.add_items.

    A store is reused when it contains exactly `items` items and at least `min_pending` of them
    still wait for a decision. Every benchmark run decides some, so a store reused many times
    runs low. Anything else at that path (an interrupted build, another size, too few pending
    items) is deleted and built again.
    """
    path = store_path(out_dir, items)
    existing, pending = _count_items(path)
    if existing == items and pending >= min_pending:
        record = _read_build_record(path)
        return StoreReport(
            path,
            items,
            built=False,
            build_seconds=record.get("build_seconds"),
            built_at=record.get("built_at"),
        )

    if existing == items:
        log(f"  {path.name} has {pending} pending items, fewer than {min_pending}. Rebuilding it.")
    elif existing is not None:
        log(f"  {path.name} contains {existing} items, not {items}. Rebuilding it.")
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), _build_record_path(path)):
        stale.unlink(missing_ok=True)

    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    labels = taxonomy()
    with Store(path) as store:
        store.add_taxonomy(labels)
        store.add_items(generate_items(items, labels, log=log))
        # Move the WAL into the main file and truncate it, so that every measured process
        # opens the same single file.
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started

    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    record = {"items": items, "build_seconds": seconds, "built_at": built_at}
    _build_record_path(path).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return StoreReport(path, items, built=True, build_seconds=seconds, built_at=built_at)


def _build_record_path(path: Path) -> Path:
    return path.with_suffix(".build.json")


def _read_build_record(path: Path) -> dict:
    try:
        return json.loads(_build_record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def generate_items(
    count: int, labels: Taxonomy, *, log: Callable[[str], None] = print
) -> Iterator[NewItem]:
    """Yield `count` escalated items. The same count always yields the same items."""
    rng = random.Random(SEED)
    messages = _train_messages()
    by_label: dict[str, list[str]] = {}
    for text, label in messages:
        by_label.setdefault(label, []).append(text)
    names = labels.names
    part_counts = [parts for parts, _ in _PARTS_WEIGHTS]
    part_weights = [weight for _, weight in _PARTS_WEIGHTS]
    priorities = [priority for priority, _ in _PRIORITY_WEIGHTS]
    priority_weights = [weight for _, weight in _PRIORITY_WEIGHTS]
    started = time.perf_counter()

    for number in range(1, count + 1):
        true_label = rng.choice(names)
        parts = rng.choices(part_counts, part_weights)[0]
        sentences = [rng.choice(by_label[true_label])]
        for _ in range(parts - 1):
            # Most extra sentences stay on the topic, some drift to another one.
            source = true_label if rng.random() < 0.6 else rng.choice(names)
            sentences.append(rng.choice(by_label[source]))
        text = rng.choice(_GREETINGS) + " ".join(sentences) + rng.choice(_SIGN_OFFS)

        suggestion = _suggestion(rng, text, true_label, names, labels.version)
        priority = rng.choices(priorities, priority_weights)[0]
        if suggestion.label in HIGH_IMPACT_LABELS:
            priority = max(priority, 1)

        yield NewItem(
            id=f"bench-{number:07d}",
            text=text,
            suggestion=suggestion,
            priority=priority,
            meta={"channel": rng.choice(_CHANNELS), "source": "synthetic from banking77 train"},
        )

        if number % _PROGRESS_EVERY == 0:
            elapsed = time.perf_counter() - started
            log(f"  {number:,} of {count:,} items written ({elapsed:.0f} s)")


def _suggestion(
    rng: random.Random, text: str, true_label: str, names: list[str], version: str
) -> Suggestion:
    """Make a top-10 distribution whose most likely label is the suggestion."""
    top = true_label if rng.random() < _MODEL_RIGHT_RATE else rng.choice(names)
    others = [name for name in names if name != top]
    chosen = [top, *rng.sample(others, TOP_LABELS - 1)]
    if true_label not in chosen:
        chosen[-1] = true_label

    # Gamma weights normalised to 1 are a Dirichlet sample. A small shape gives the peaked
    # distributions of a confident prediction, a larger one the flat ones of an unsure one.
    shape = rng.choice((0.3, 0.5, 0.8, 1.5))
    weights = sorted((rng.gammavariate(shape, 1.0) + 1e-9 for _ in chosen), reverse=True)
    total = sum(weights)
    # Logprobs never give exactly 0, so the rounded probabilities keep at least 1e-6.
    distribution = {
        name: max(round(weight / total, 6), 1e-6)
        for name, weight in zip(chosen, weights, strict=True)
    }
    # Put the rounding error on the top label, so the probabilities sum to 1.
    distribution[top] = round(distribution[top] + 1.0 - sum(distribution.values()), 6)

    confidence = distribution[top]
    runner_up, runner_up_p = chosen[1], distribution[chosen[1]]
    words = sorted({word.strip(".,?!'\"").lower() for word in text.split() if len(word) > 4})
    evidence = rng.sample(words, min(3, len(words)))
    weights_text = ", ".join(f'"{word}" (+{rng.uniform(0.1, 2.5):.2f})' for word in evidence)
    rationale = (
        f"The message is about {top.replace('_', ' ')}; the words that weighed most were "
        f"{weights_text or 'none'}. Runner-up: {runner_up} ({runner_up_p:.2f})."
    )

    reasons = []
    if confidence < CONFIDENCE_THRESHOLD:
        reasons.append(
            f"low confidence: {confidence:.2f} is below the threshold {CONFIDENCE_THRESHOLD:.2f}"
        )
    if top in HIGH_IMPACT_LABELS:
        reasons.append(f"high-impact label: {top} is always checked")
    if not reasons:
        reasons.append("audit sample: 1 in 20 confident answers is checked by a person")

    return Suggestion(
        label=top,
        distribution=distribution,
        rationale=rationale,
        model=MODEL_NAME,
        method=METHOD,
        escalation_reason="; ".join(reasons),
        taxonomy_version=version,
    )


def _count_items(path: Path) -> tuple[int | None, int]:
    """Return the numbers of items and of pending items in the store at `path`.

    The item count is None when there is no store at `path`.
    """
    if not path.exists():
        return None, 0
    try:
        with closing(sqlite3.connect(path)) as conn:
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            # One scan of the queue table: counting through the partial index queue_order
            # looks up every row in the table and takes seconds on a million items.
            pending = conn.execute("SELECT coalesce(sum(pending), 0) FROM queue").fetchone()[0]
    except sqlite3.DatabaseError:
        return None, 0
    return items, pending


def _banking77_file(name: str) -> Path:
    return Path(str(resources.files("triage_app") / "resources" / "banking77" / name))


def _train_messages() -> list[tuple[str, str]]:
    with _banking77_file("train.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]
