"""Export of the decision log, one event a line (JSONL) or a row (CSV)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from triage_app.domain.decision import Action, Decision

EXPORT_FIELDS = (
    "decision_id",
    "item_id",
    "reviewer",
    "action",
    "model_label",
    "model_confidence",
    "human_label",
    "overturned",
    "decided_at",
    "duration_ms",
    "note",
    "retracts",
)
FORMATS = ("jsonl", "csv")


def export_record(decision: Decision) -> dict[str, object]:
    """Return the exported fields of one decision event."""
    return {
        "decision_id": decision.id,
        "item_id": decision.item_id,
        "reviewer": decision.reviewer,
        "action": decision.action.value,
        "model_label": decision.model_label,
        "model_confidence": decision.model_confidence,
        "human_label": decision.label,
        "overturned": decision.action is Action.OVERTURN,
        "decided_at": decision.decided_at,
        "duration_ms": decision.duration_ms,
        "note": decision.note,
        "retracts": decision.retracts,
    }


def write_decisions(
    decisions: Iterable[Decision], target: str | Path | TextIO, *, format: str
) -> int:
    """Write every decision event to a file path or an open text stream; return the count.

    A file is written under a temporary name and renamed, so a failed export leaves no
    half-written file in its place.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; use one of {', '.join(FORMATS)}")
    if not isinstance(target, str | Path):
        return _write(decisions, target, format)

    path = Path(target)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        count = _write(decisions, handle, format)
    partial.replace(path)
    return count


def _write(decisions: Iterable[Decision], handle: TextIO, format: str) -> int:
    count = 0
    if format == "jsonl":
        for decision in decisions:
            handle.write(json.dumps(export_record(decision), ensure_ascii=False) + "\n")
            count += 1
        return count

    writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for decision in decisions:
        record = export_record(decision)
        record["overturned"] = "true" if record["overturned"] else "false"
        writer.writerow({key: "" if value is None else value for key, value in record.items()})
        count += 1
    return count
