"""`python -m triage_app report` run as a user runs it, checked against the CSV export."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    precision_recall_fscore_support,
)
from statsmodels.stats.proportion import proportion_confint

from triage_app.domain.decision import Action
from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.store.store import Store

# No item is suggested or labelled "fraud", so macro F1 must leave it out.
TAXONOMY = Taxonomy(
    version="support-v1",
    labels=tuple(Label(name) for name in ("billing", "technical", "account", "shipping", "fraud")),
)

# (item id, suggested label, confidence). No confidence is an inner edge of the ten
# calibration bins, where scikit-learn's calibration_curve bins differently.
ITEMS = [
    ("c01", "billing", 0.42), ("c02", "technical", 0.55), ("c03", "account", 0.93),
    ("c04", "shipping", 0.61), ("c05", "technical", 0.35), ("c06", "billing", 0.77),
    ("c07", "account", 0.48), ("c08", "shipping", 0.86), ("c09", "billing", 1.0),
    ("c10", "technical", 0.66), ("c11", "account", 0.58), ("c12", "billing", 0.97),
    ("c13", "shipping", 0.27), ("c14", "technical", 0.74), ("c15", "billing", 0.83),
]  # fmt: skip

# (item id, reviewer, overturned to this label or None to accept, duration in ms). "skip"
# logs a skip and "undo" retracts the reviewer's newest decision in force.
REVIEW = [
    ("c01", "ana", None, 4_000), ("c02", "ana", "account", 12_500), ("c03", "ana", None, 2_100),
    ("c04", "ana", "skip", 0), ("c05", "ana", "billing", 9_000), ("c06", "ana", None, 3_300),
    ("c07", "ana", "shipping", 20_000), ("-", "ana", "undo", 0),
    ("c01", "ben", "technical", 15_000), ("c04", "ben", None, 5_000),
    ("c08", "ben", "billing", 7_700), ("c09", "ben", None, 1_200), ("c10", "ben", None, 2_000),
    ("-", "ben", "undo", 0), ("c11", "ben", "technical", 6_100), ("c12", "ben", None, 900),
    ("c13", "ana", "billing", 18_000), ("c14", "ana", None, 2_600), ("c15", "ana", None, 3_900),
    ("c03", "ben", "technical", 25_000), ("c06", "ben", "account", 4_400),
    ("c12", "ana", "skip", 0), ("-", "ana", "undo", 0), ("-", "ana", "undo", 0),
]  # fmt: skip

# Keys that `report --json` documents in docs/metrics.md, among others.
REPORT_KEYS = {
    "filter", "decisions", "reviewed_items", "overturn_rate", "overturn_interval", "overturn",
    "accuracy", "macro_f1", "micro_f1", "per_class", "confused_pairs", "calibration",
    "confidence_histogram", "pace",
}  # fmt: skip


def new_item(item_id: str, label: str, confidence: float) -> NewItem:
    other = "account" if label != "account" else "billing"
    return NewItem(
        id=item_id,
        text=f"Message {item_id}",
        suggestion=Suggestion(
            label=label,
            distribution={label: confidence, other: round(1 - confidence, 9)},
            taxonomy_version=TAXONOMY.version,
        ),
    )


def build_store(path: Path, review: list[tuple[str, str, str | None, int]]) -> Path:
    """Create a store with ITEMS and log `review` into it through the Store API."""
    with Store(path) as store:
        store.add_taxonomy(TAXONOMY)
        store.add_items(new_item(*item) for item in ITEMS)
        for item_id, reviewer, label, duration_ms in review:
            if label == "undo":
                assert store.retract_last(reviewer=reviewer) is not None
                continue
            item = store.review_item(item_id)
            if label == "skip":
                action = Action.SKIP
            elif label is None:
                action = Action.ACCEPT
            else:
                action = Action.OVERTURN
            store.add_decision(
                item=item, reviewer=reviewer, action=action, label=label, duration_ms=duration_ms
            )
    return path


@pytest.fixture
def reviewed_db(tmp_path):
    return build_store(tmp_path / "reviewed.db", REVIEW)


def report_json(run_cli, db: Path, *args: object) -> dict:
    result = run_cli("report", "--db", db, "--json", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def export_rows(run_cli, db: Path, output: Path) -> list[dict[str, str]]:
    result = run_cli("export", "--format", "csv", "-o", output, "--db", db)
    assert result.returncode == 0, result.stderr
    with output.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def effective_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return the accept and overturn rows that no retract row names, oldest first."""
    retracted = {int(row["retracts"]) for row in rows if row["action"] == "retract"}
    in_force = [
        row
        for row in rows
        if row["action"] in ("accept", "overturn") and int(row["decision_id"]) not in retracted
    ]
    return sorted(in_force, key=lambda row: int(row["decision_id"]))


def latest_rows(effective: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return each item's latest effective row, whose human_label is the item's label."""
    latest: dict[str, dict[str, str]] = {}
    for row in effective:
        latest[row["item_id"]] = row
    return list(latest.values())


def expected_ece(agreed: np.ndarray, confidence: np.ndarray, bins: int = 10) -> float:
    """ECE from scikit-learn's reliability curve, weighting each non-empty bin by its items."""
    prob_true, prob_pred = calibration_curve(agreed, confidence, n_bins=bins, strategy="uniform")
    counts, _ = np.histogram(confidence, bins=np.linspace(0.0, 1.0, bins + 1))
    counts = counts[counts > 0]
    return float(np.sum(counts / len(confidence) * np.abs(prob_true - prob_pred)))


def test_report_json_keys(run_cli, reviewed_db):
    data = report_json(run_cli, reviewed_db)

    assert set(data) >= REPORT_KEYS
    assert isinstance(data["decisions"], int)
    assert isinstance(data["reviewed_items"], int)
    assert isinstance(data["overturn_rate"], float)
    assert isinstance(data["accuracy"], float)
    assert isinstance(data["macro_f1"], float)
    assert isinstance(data["micro_f1"], float)
    for label, scores in data["per_class"].items():
        assert set(scores) >= {"precision", "recall", "f1", "support"}, label
    assert data["confused_pairs"]
    for pair in data["confused_pairs"]:
        assert set(pair) == {"human", "model", "count"}
    assert set(data["calibration"]) >= {"ece", "mce", "brier", "bins"}
    assert len(data["calibration"]["bins"]) == 10
    for calibration_bin in data["calibration"]["bins"]:
        assert set(calibration_bin) == {"lower", "upper", "count", "mean_confidence", "accuracy"}


def test_report_json_matches_csv_export(run_cli, reviewed_db, tmp_path):
    data = report_json(run_cli, reviewed_db)
    rows = export_rows(run_cli, reviewed_db, tmp_path / "decisions.csv")

    effective = effective_rows(rows)
    items = latest_rows(effective)
    human = [row["human_label"] for row in items]
    model = [row["model_label"] for row in items]
    confidence = np.array([float(row["model_confidence"]) for row in items])
    agreed = np.array([h == m for h, m in zip(human, model, strict=True)], dtype=int)
    overturned = [row["overturned"] == "true" for row in effective]
    present = sorted(set(human) | set(model))
    precision, recall, f1, support = precision_recall_fscore_support(
        human, model, labels=present, zero_division=0
    )

    assert len(effective) == 15
    assert data["decisions"] == len(effective)
    assert data["reviewed_items"] == len(items)
    assert data["overturn_rate"] == pytest.approx(sum(overturned) / len(overturned))
    assert data["overturn_interval"] == pytest.approx(
        proportion_confint(sum(overturned), len(overturned), alpha=0.05, method="wilson")
    )
    assert data["accuracy"] == pytest.approx(accuracy_score(human, model))
    assert data["macro_f1"] == pytest.approx(f1_score(human, model, average="macro"))
    assert data["micro_f1"] == pytest.approx(f1_score(human, model, average="micro"))
    assert set(data["per_class"]) == set(present)
    for position, label in enumerate(present):
        scores = data["per_class"][label]
        assert scores["precision"] == pytest.approx(precision[position]), label
        assert scores["recall"] == pytest.approx(recall[position]), label
        assert scores["f1"] == pytest.approx(f1[position]), label
        assert scores["support"] == support[position], label
    assert data["calibration"]["ece"] == pytest.approx(expected_ece(agreed, confidence))
    assert data["calibration"]["brier"] == pytest.approx(brier_score_loss(agreed, confidence))


def test_report_overturn_flag_matches_labels(run_cli, reviewed_db, tmp_path):
    """The export's `overturned` column agrees with human label != model label."""
    rows = export_rows(run_cli, reviewed_db, tmp_path / "decisions.csv")

    for row in effective_rows(rows):
        overturned = row["overturned"] == "true"
        assert overturned == (row["human_label"] != row["model_label"]), row["decision_id"]


def test_report_reviewer_filter(run_cli, reviewed_db, tmp_path):
    data = report_json(run_cli, reviewed_db, "--reviewer", "ana")
    rows = export_rows(run_cli, reviewed_db, tmp_path / "decisions.csv")

    mine = [row for row in effective_rows(rows) if row["reviewer"] == "ana"]
    items = latest_rows(mine)
    human = [row["human_label"] for row in items]
    model = [row["model_label"] for row in items]
    overturned = sum(row["overturned"] == "true" for row in mine)

    assert data["filter"]["reviewer"] == "ana"
    assert data["decisions"] == len(mine)
    assert data["reviewed_items"] == len(items)
    assert data["overturn_rate"] == pytest.approx(overturned / len(mine))
    assert set(data["overturn"]["by_reviewer"]) == {"ana"}
    assert set(data["pace"]) == {"ana"}
    assert data["accuracy"] == pytest.approx(accuracy_score(human, model))
    assert data["macro_f1"] == pytest.approx(f1_score(human, model, average="macro"))


def test_report_unknown_reviewer_is_empty(run_cli, reviewed_db):
    data = report_json(run_cli, reviewed_db, "--reviewer", "nobody")

    assert data["decisions"] == 0
    assert data["reviewed_items"] == 0
    assert data["overturn_rate"] is None
    assert data["accuracy"] is None
    assert data["per_class"] == {}
    assert data["calibration"]["ece"] is None
    assert data["pace"] == {}


def test_report_day_filters(run_cli, reviewed_db, tmp_path):
    rows = export_rows(run_cli, reviewed_db, tmp_path / "decisions.csv")
    # Decisions carry the clock's UTC day, so a run across midnight may span two days.
    days = sorted({date.fromisoformat(row["decided_at"][:10]) for row in rows})
    first, last = days[0], days[-1]

    inside = report_json(run_cli, reviewed_db, "--since", first, "--until", last)
    after = report_json(run_cli, reviewed_db, "--since", last + timedelta(days=1))
    before = report_json(run_cli, reviewed_db, "--until", first - timedelta(days=1))

    assert inside["decisions"] == len(effective_rows(rows))
    assert inside["filter"]["since"] == first.isoformat()
    assert after["decisions"] == 0
    assert before["decisions"] == 0


def test_report_text(run_cli, reviewed_db):
    result = run_cli("report", "--db", reviewed_db)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Decisions: 15" in result.stdout
    assert "Overturn rate:" in result.stdout
    assert "Calibration over" in result.stdout


def test_report_text_on_empty_store(run_cli, tmp_path):
    db = build_store(tmp_path / "empty.db", [])

    result = run_cli("report", "--db", db)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "nothing to measure" in result.stdout


def test_report_json_on_empty_store(run_cli, tmp_path):
    db = build_store(tmp_path / "empty.db", [])

    data = report_json(run_cli, db)

    assert data["decisions"] == 0
    assert data["overturn_rate"] is None
    assert data["overturn_interval"] == [None, None]
    assert data["calibration"]["brier"] is None


def test_report_all_undone_is_empty(run_cli, tmp_path):
    review = [
        ("c01", "ana", None, 1_000),
        ("c02", "ana", "billing", 1_000),
        ("c03", "ana", "skip", 0),
        ("-", "ana", "undo", 0),
        ("-", "ana", "undo", 0),
        ("-", "ana", "undo", 0),
    ]
    db = build_store(tmp_path / "undone.db", review)

    result = run_cli("report", "--db", db)

    assert result.returncode == 0, result.stderr
    assert "nothing to measure" in result.stdout


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024-02-30"])
def test_report_invalid_since(run_cli, reviewed_db, value):
    result = run_cli("report", "--db", reviewed_db, "--since", value)

    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert len(errors) == 1
    assert f"invalid date {value!r}" in errors[0]
    assert "YYYY-MM-DD" in errors[0]


def test_report_missing_store(run_cli, tmp_path):
    db = tmp_path / "missing.db"

    result = run_cli("report", "--db", db)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(db) in result.stderr
    assert "not found" in result.stderr
    assert not db.exists()
