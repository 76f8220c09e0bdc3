"""Earlier human labels imported as decisions: the annotations CSV file through
`python -m triage_app import`, and the `annotations` list of JSON Lines items."""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from tests.import_fixtures import LABELS, TAXONOMY_YAML, item_record, row_counts, write_items
from triage_app.domain.clock import utc_now
from triage_app.domain.decision import Action, Decision
from triage_app.io.annotations_file import add_annotations, parse_decided_at, read_annotations
from triage_app.io.problems import InputFileError
from triage_app.store.store import Store

pytest_plugins = ["tests.import_fixtures"]

# The suggested label of item i01 to i14: billing, technical, account, billing, ...
SUGGESTED = {f"i{number:02d}": LABELS[(number - 1) % 3] for number in range(1, 15)}
ITEMS = [item_record(item_id, label=label) for item_id, label in SUGGESTED.items()]

# (item_id, reviewer, label, decided_at). Items i01 to i08 have three reviewers, i09 to i12
# two, i13 one and i14 none, so reviewer pairs share different numbers of items.
ROWS = [
    ("i01", "alice", "billing", "2026-11-02T09:00:00Z"),
    ("i01", "bob", "billing", "2026-11-02T09:05:10.250Z"),
    ("i01", "carol", "billing", "2026-11-03"),
    ("i02", "alice", "technical", ""),
    ("i02", "bob", "technical", "2026-11-02T10:00:00Z"),
    ("i02", "carol", "account", "2026-11-02T10:00:00.001Z"),
    ("i03", "alice", "account", "2026-11-04"),
    ("i03", "bob", "account", "2026-11-04T08:00:00Z"),
    ("i03", "carol", "account", ""),
    ("i04", "alice", "billing", "2026-11-05T12:30:00Z"),
    ("i04", "bob", "technical", "2026-11-05T12:31:00.999Z"),
    ("i04", "carol", "account", "2026-11-05"),
    ("i05", "alice", "technical", "2026-11-06T07:00:00Z"),
    ("i05", "bob", "technical", ""),
    ("i05", "carol", "technical", "2026-11-06T07:01:00Z"),
    ("i06", "alice", "billing", "2026-11-07"),
    ("i06", "bob", "billing", "2026-11-07T11:00:00Z"),
    ("i06", "carol", "account", "2026-11-07T11:00:00.500Z"),
    ("i07", "alice", "account", "2026-11-08T15:00:00Z"),
    ("i07", "bob", "technical", "2026-11-08"),
    ("i07", "carol", "account", ""),
    ("i08", "alice", "billing", "2026-11-09T16:00:00Z"),
    ("i08", "bob", "billing", "2026-11-09T16:00:01Z"),
    ("i08", "carol", "billing", "2026-11-09T16:00:02Z"),
    ("i09", "alice", "technical", "2026-11-10"),
    ("i09", "bob", "technical", "2026-11-10T09:00:00Z"),
    ("i10", "alice", "account", "2026-11-10T09:30:00Z"),
    ("i10", "bob", "billing", ""),
    ("i11", "bob", "billing", "2026-11-11T10:00:00.000Z"),
    ("i11", "carol", "billing", "2026-11-11"),
    ("i12", "bob", "technical", "2026-11-12T13:00:00Z"),
    ("i12", "carol", "account", "2026-11-12T13:00:00Z"),
    ("i13", "alice", "billing", "2026-11-13"),
]
HEADER = ("item_id", "reviewer", "label", "decided_at")
STORE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def run_triage_app(folder: Path, *args: object) -> subprocess.CompletedProcess[str]:
    """Run `python -m triage_app` with arguments in `folder`, as a user does.

    The default store folder of the subprocess is under `folder`, so a test never touches the
    user's own store.
    """
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(folder / "xdg-data"),
        "XDG_CONFIG_HOME": str(folder / "xdg-config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "triage_app", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def run_cli(tmp_path):
    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return run_triage_app(tmp_path, *args)

    return run


@pytest.fixture(scope="module")
def items_template(tmp_path_factory) -> Path:
    """A store that `triage-app import` filled with ITEMS, built once for the module."""
    folder = tmp_path_factory.mktemp("items-store")
    taxonomy_path = folder / "taxonomy.yaml"
    taxonomy_path.write_text(TAXONOMY_YAML, encoding="utf-8")
    items_path = write_items(folder / "items.jsonl", ITEMS)
    db_path = folder / "store.db"
    result = run_triage_app(
        folder, "import", items_path, "--taxonomy", taxonomy_path, "--db", db_path
    )
    assert result.returncode == 0, result.stderr
    # The import closed its connection, so SQLite has moved the write-ahead log into the file.
    assert not Path(f"{db_path}-wal").exists()
    return db_path


@pytest.fixture
def items_db(items_template, db_path):
    """A copy of the store with ITEMS and no decisions, for one test."""
    shutil.copyfile(items_template, db_path)
    return db_path


def write_annotations(
    path: Path,
    rows: list[tuple[str, ...]],
    header: tuple[str, ...] = HEADER,
    *,
    bom: bool = False,
) -> Path:
    """Write rows given in HEADER order as a CSV file whose columns follow `header`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            cells = dict(zip(HEADER, row, strict=False))
            writer.writerow([cells.get(name, "") for name in header])
    if bom:
        path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    return path


def normalised(decided_at: str) -> str:
    """Return the store's form of a decided_at cell of ROWS, worked out without the parser."""
    if len(decided_at) == len("2026-11-03"):
        return decided_at + "T00:00:00.000Z"
    if "." not in decided_at:
        return decided_at.removesuffix("Z") + ".000Z"
    return decided_at


def labelling_decisions(db_path: Path) -> list[Decision]:
    with Store(db_path) as store:
        return [d for d in store.decisions() if d.action in (Action.ACCEPT, Action.OVERTURN)]


def check_decisions_match_rows(decisions: list[Decision], rows, before: str, after: str) -> None:
    by_key = {(d.item_id, d.reviewer): d for d in decisions}
    assert len(decisions) == len(rows)
    assert len(by_key) == len(rows)
    for item_id, reviewer, label, decided_at in rows:
        decision = by_key[(item_id, reviewer)]
        expected_action = Action.ACCEPT if label == SUGGESTED[item_id] else Action.OVERTURN
        assert decision.action is expected_action, (item_id, reviewer)
        assert decision.label == label, (item_id, reviewer)
        assert decision.model_label == SUGGESTED[item_id]
        assert decision.duration_ms == 0
        assert STORE_TIME.fullmatch(decision.decided_at), decision.decided_at
        if decided_at:
            assert decision.decided_at == normalised(decided_at), (item_id, reviewer)
        else:
            assert before <= decision.decided_at <= after, (item_id, reviewer)


def test_csv_imports_three_reviewers(run_cli, tmp_path, items_db):
    # Columns in another order than the documented one.
    path = write_annotations(
        tmp_path / "annotations.csv", ROWS, ("reviewer", "label", "decided_at", "item_id")
    )

    before = utc_now()
    result = run_cli("import", path, "--db", items_db)
    after = utc_now()

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Imported {path}: {len(ROWS)} decisions by 3 reviewers, 0 already present." in (
        result.stdout
    )
    check_decisions_match_rows(labelling_decisions(items_db), ROWS, before, after)


def test_csv_import_updates_queue(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", ROWS)

    result = run_cli("import", path, "--db", items_db)

    assert result.returncode == 0, result.stderr
    with Store(items_db) as store:
        counts = store.queue_counts()
        assert counts.total == len(ITEMS)
        # Every item but i14 has a label now, and one reviewer per item is required.
        assert counts.pending == 1
        assert store.next_item().id == "i14"


def test_csv_decisions_logged_in_time_order(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", list(reversed(ROWS)))

    result = run_cli("import", path, "--db", items_db)

    assert result.returncode == 0, result.stderr
    times = [decision.decided_at for decision in labelling_decisions(items_db)]
    assert times == sorted(times)


def test_csv_with_byte_order_mark(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", ROWS[:6], bom=True)

    before = utc_now()
    result = run_cli("import", path, "--db", items_db)
    after = utc_now()

    assert result.returncode == 0, result.stderr
    assert "6 decisions by 3 reviewers" in result.stdout
    check_decisions_match_rows(labelling_decisions(items_db), ROWS[:6], before, after)


def test_csv_reimport_adds_nothing(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", ROWS)
    first = run_cli("import", path, "--db", items_db)
    assert first.returncode == 0, first.stderr
    before = row_counts(items_db)

    again = run_cli("import", path, "--db", items_db)

    assert again.returncode == 0, again.stderr
    assert f"0 decisions by 0 reviewers, {len(ROWS)} already present." in again.stdout
    assert row_counts(items_db) == before


def test_csv_changed_label_is_newer_decision(run_cli, tmp_path, items_db):
    first = write_annotations(tmp_path / "first.csv", [("i01", "alice", "billing", "")])
    assert run_cli("import", first, "--db", items_db).returncode == 0
    changed = write_annotations(
        tmp_path / "changed.csv",
        [("i01", "alice", "account", ""), ("i01", "bob", "billing", "")],
    )

    result = run_cli("import", changed, "--db", items_db)

    assert result.returncode == 0, result.stderr
    assert "2 decisions by 2 reviewers, 0 already present." in result.stdout
    alice = [d for d in labelling_decisions(items_db) if d.reviewer == "alice"]
    assert [d.label for d in alice] == ["billing", "account"]
    assert [d.action for d in alice] == [Action.ACCEPT, Action.OVERTURN]


def test_csv_retracted_label_imported_again(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", [("i02", "alice", "account", "")])
    assert run_cli("import", path, "--db", items_db).returncode == 0
    with Store(items_db) as store:
        retracted = store.retract_last(reviewer="alice")
    assert retracted is not None

    result = run_cli("import", path, "--db", items_db)

    assert result.returncode == 0, result.stderr
    assert "1 decision by 1 reviewer, 0 already present." in result.stdout
    assert len(labelling_decisions(items_db)) == 2


@dataclass(frozen=True)
class BadRows:
    """An annotations file that must be rejected, and what the error message must name."""

    name: str
    rows: list[tuple[str, ...]]
    line: int
    field: str
    value: str | None
    also: tuple[str, ...] = ()
    header: tuple[str, ...] = HEADER


# The first two rows are valid and new, so a rejected file shows that valid rows stay out too.
GOOD_NEW = [("i13", "bob", "account", "2026-11-20"), ("i14", "alice", "technical", "")]

BAD_ROWS = [
    BadRows(
        "unknown item id",
        [*GOOD_NEW, ("i99", "alice", "billing", "")],
        line=4,
        field="item_id",
        value="'i99'",
        also=("import the item first",),
    ),
    BadRows(
        "label outside taxonomy",
        [*GOOD_NEW, ("i01", "dave", "shipping", "")],
        line=4,
        field="label",
        value="'shipping'",
        also=("support-v1",),
    ),
    BadRows(
        "empty reviewer",
        [*GOOD_NEW, ("i01", "", "billing", "")],
        line=4,
        field="reviewer",
        value="''",
    ),
    BadRows(
        "whitespace-only reviewer",
        [*GOOD_NEW, ("i01", "  ", "billing", "")],
        line=4,
        field="reviewer",
        value="'  '",
    ),
    BadRows(
        "same item and reviewer twice",
        [*GOOD_NEW, ("i05", "erin", "billing", ""), ("i05", "erin", "account", "")],
        line=5,
        field="reviewer",
        value="'erin'",
        also=("line 4", "'i05'"),
    ),
    BadRows(
        "time with a space",
        [*GOOD_NEW, ("i01", "dave", "billing", "2026-12-04 10:00:00")],
        line=4,
        field="decided_at",
        value="'2026-12-04 10:00:00'",
    ),
    BadRows(
        "time with an offset",
        [*GOOD_NEW, ("i01", "dave", "billing", "2026-12-04T10:00:00+00:00")],
        line=4,
        field="decided_at",
        value="'2026-12-04T10:00:00+00:00'",
    ),
    BadRows(
        "day-first date",
        [*GOOD_NEW, ("i01", "dave", "billing", "04/12/2026")],
        line=4,
        field="decided_at",
        value="'04/12/2026'",
    ),
    BadRows(
        "date that does not exist",
        [*GOOD_NEW, ("i01", "dave", "billing", "2026-02-30")],
        line=4,
        field="decided_at",
        value="'2026-02-30'",
    ),
    BadRows(
        "unknown column",
        [*GOOD_NEW],
        line=1,
        field="note",
        value=None,
        also=("unknown column",),
        header=(*HEADER, "note"),
    ),
    BadRows(
        "missing label column",
        [*GOOD_NEW],
        line=1,
        field="label",
        value=None,
        also=("missing column",),
        header=("item_id", "reviewer", "decided_at"),
    ),
]


@pytest.mark.parametrize("case", BAD_ROWS, ids=lambda case: case.name)
def test_bad_csv_imports_nothing(case, run_cli, tmp_path, items_db):
    # Decisions logged before the bad file, so "unchanged" compares a non-empty log.
    earlier = write_annotations(tmp_path / "earlier.csv", ROWS[:3])
    with Store(items_db) as store:
        add_annotations(store, read_annotations(earlier, store).annotations, path=earlier)
    before = row_counts(items_db)
    assert before["decisions"] == 3
    path = write_annotations(tmp_path / "annotations.csv", case.rows, case.header)

    result = run_cli("import", path, "--db", items_db)

    message = result.stderr
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in message
    assert message.startswith(f"triage-app: {path}, line {case.line},"), message
    assert f"field {case.field!r}" in message
    if case.value is not None:
        assert f"(value: {case.value})" in message
    for text in case.also:
        assert text in message
    assert f"Nothing from {path} was imported" in message
    assert row_counts(items_db) == before


def test_csv_lists_every_bad_row(run_cli, tmp_path, items_db):
    rows = [
        ("i99", "alice", "billing", ""),
        ("i01", "alice", "shipping", ""),
        ("i01", "", "billing", ""),
        ("i01", "bob", "billing", "yesterday"),
    ]
    path = write_annotations(tmp_path / "annotations.csv", rows)

    result = run_cli("import", path, "--db", items_db)

    assert result.returncode == 1
    for line, field in ((2, "item_id"), (3, "label"), (4, "reviewer"), (5, "decided_at")):
        assert f"line {line}, field {field!r}" in result.stderr


def test_csv_header_only_rejected(tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", [])

    with Store(items_db) as store, pytest.raises(InputFileError) as raised:
        read_annotations(path, store)

    assert "contains no annotations" in str(raised.value)


def test_csv_with_taxonomy_option_rejected(run_cli, tmp_path, items_db, taxonomy_path):
    path = write_annotations(tmp_path / "annotations.csv", ROWS[:3])
    before = row_counts(items_db)

    result = run_cli("import", path, "--taxonomy", taxonomy_path, "--db", items_db)

    assert result.returncode == 1
    assert "without --taxonomy" in result.stderr
    assert "Traceback" not in result.stderr
    assert row_counts(items_db) == before


def test_csv_without_store_creates_none(run_cli, tmp_path, db_path):
    path = write_annotations(tmp_path / "annotations.csv", ROWS[:3])

    result = run_cli("import", path, "--db", db_path)

    assert result.returncode == 1
    assert f"store {db_path} not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db_path.exists()


def test_report_agreement_after_csv_import(run_cli, tmp_path, items_db):
    path = write_annotations(tmp_path / "annotations.csv", ROWS)
    assert run_cli("import", path, "--db", items_db).returncode == 0

    result = run_cli("report", "--json", "--db", items_db)

    assert result.returncode == 0, result.stderr
    agreement = json.loads(result.stdout)["agreement"]
    by_item: dict[str, dict[str, str]] = {}
    for item_id, reviewer, label, _ in ROWS:
        by_item.setdefault(item_id, {})[reviewer] = label

    pairs = {(pair["a"], pair["b"]): pair["n"] for pair in agreement["pairs"]}
    for a, b in itertools.combinations(["alice", "bob", "carol"], 2):
        shared = sum(1 for labels in by_item.values() if a in labels and b in labels)
        assert pairs[(a, b)] == shared, (a, b)
    assert pairs == {("alice", "bob"): 10, ("alice", "carol"): 8, ("bob", "carol"): 10}
    assert agreement["items"] == 12

    # The report's Fleiss' kappa uses the items with the most common number of ratings: three.
    table = np.array(
        [
            [list(labels.values()).count(name) for name in LABELS]
            for labels in by_item.values()
            if len(labels) == 3
        ]
    )
    assert agreement["fleiss_items"] == len(table) == 8
    assert agreement["fleiss_raters"] == 3
    expected = statsmodels_fleiss_kappa(table, method="fleiss")
    assert agreement["fleiss_kappa"] == pytest.approx(expected, abs=1e-12)


# JSON Lines items that carry annotations.


def annotated(item_id: str, *annotations: dict[str, object], **fields: object) -> dict:
    return {**item_record(item_id, label=SUGGESTED[item_id], **fields), "annotations": annotations}


def test_jsonl_annotations_imported(run_cli, tmp_path, db_path, taxonomy_path):
    records = [
        annotated(
            "i01",
            {"reviewer": "alice", "label": "billing", "decided_at": "2026-11-02T09:00:00Z"},
            {"reviewer": " bob ", "label": "account", "decided_at": "2026-11-01"},
        ),
        annotated("i02", {"reviewer": "carol", "label": "technical", "decided_at": None}),
        item_record("i03", label=SUGGESTED["i03"]),
        annotated("i04"),
    ]
    path = write_items(tmp_path / "items.jsonl", records)

    before = utc_now()
    result = run_cli("import", path, "--taxonomy", taxonomy_path, "--db", db_path)
    after = utc_now()

    assert result.returncode == 0, result.stderr
    assert "4 new items" in result.stdout
    assert "Annotations: 3 decisions by 3 reviewers, 0 already present." in result.stdout
    decisions = labelling_decisions(db_path)
    # Logged in order of decided_at, and bob's name without the spaces around it.
    assert [(d.item_id, d.reviewer) for d in decisions] == [
        ("i01", "bob"),
        ("i01", "alice"),
        ("i02", "carol"),
    ]
    assert [d.action for d in decisions] == [Action.OVERTURN, Action.ACCEPT, Action.ACCEPT]
    assert [d.label for d in decisions] == ["account", "billing", "technical"]
    assert decisions[0].decided_at == "2026-11-01T00:00:00.000Z"
    assert decisions[1].decided_at == "2026-11-02T09:00:00.000Z"
    assert before <= decisions[2].decided_at <= after
    assert all(d.duration_ms == 0 for d in decisions)
    with Store(db_path) as store:
        assert store.queue_counts().pending == 2


def test_jsonl_reimport_adds_no_decisions(run_cli, tmp_path, db_path, taxonomy_path):
    records = [annotated("i01", {"reviewer": "alice", "label": "account"})]
    path = write_items(tmp_path / "items.jsonl", records)
    first = run_cli("import", path, "--taxonomy", taxonomy_path, "--db", db_path)
    assert first.returncode == 0, first.stderr
    before = row_counts(db_path)

    again = run_cli("import", path, "--db", db_path)

    assert again.returncode == 0, again.stderr
    assert "Annotations: 0 decisions by 0 reviewers, 1 already present." in again.stdout
    assert row_counts(db_path) == before


BAD_JSONL = [
    (
        "label outside taxonomy",
        [{"reviewer": "alice", "label": "billing"}, {"reviewer": "bob", "label": "shipping"}],
        "annotations[1].label",
        "'shipping'",
    ),
    (
        "empty reviewer",
        [{"reviewer": "", "label": "billing"}],
        "annotations[0].reviewer",
        "''",
    ),
    (
        "missing reviewer",
        [{"label": "billing"}],
        "annotations[0].reviewer",
        None,
    ),
    (
        "same reviewer twice",
        [{"reviewer": "alice", "label": "billing"}, {"reviewer": "alice", "label": "account"}],
        "annotations[1].reviewer",
        "'alice'",
    ),
    (
        "invalid time",
        [{"reviewer": "alice", "label": "billing", "decided_at": "2026-12-04T10:00"}],
        "annotations[0].decided_at",
        "'2026-12-04T10:00'",
    ),
    (
        "time not a string",
        [{"reviewer": "alice", "label": "billing", "decided_at": 1764842400}],
        "annotations[0].decided_at",
        "1764842400",
    ),
    (
        "unknown key",
        [{"reviewer": "alice", "label": "billing", "confidence": 0.9}],
        "annotations[0].confidence",
        None,
    ),
    (
        "entry not an object",
        ["alice:billing"],
        "annotations[0]",
        "'alice:billing'",
    ),
    (
        "not a list",
        {"reviewer": "alice", "label": "billing"},
        "annotations",
        None,
    ),
]


@pytest.mark.parametrize(
    ("annotations", "field", "value"),
    [case[1:] for case in BAD_JSONL],
    ids=[case[0] for case in BAD_JSONL],
)
def test_bad_jsonl_annotation_imports_nothing(
    annotations, field, value, run_cli, tmp_path, items_db
):
    records = [
        annotated("i01", {"reviewer": "alice", "label": "billing"}),
        {**item_record("new-1"), "annotations": annotations},
    ]
    path = write_items(tmp_path / "more.jsonl", records)
    before = row_counts(items_db)

    result = run_cli("import", path, "--db", items_db)

    message = result.stderr
    assert result.returncode == 1
    assert "Traceback" not in message
    assert f"{path}, line 2, field {field!r}" in message
    if value is not None:
        assert f"(value: {value})" in message
    assert row_counts(items_db) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04T10:00:00Z", "2026-12-04T10:00:00.000Z"),
        ("2026-12-04T10:00:00.250Z", "2026-12-04T10:00:00.250Z"),
        ("2026-12-04", "2026-12-04T00:00:00.000Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
    ],
)
def test_decided_at_normalised(text, expected):
    assert parse_decided_at(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-04T10:00:00",
        "2026-12-04T10:00Z",
        "2026-12-04T10:00:00.25Z",
        "2026-12-04T10:00:00.250000Z",
        "2026-12-04t10:00:00z",
        "2026-13-01",
        "2026-12-04T24:00:00Z",
        "٢٠٢٦-١٢-٠٤",
    ],
)
def test_decided_at_other_forms_rejected(text):
    with pytest.raises(ValueError):
        parse_decided_at(text)
