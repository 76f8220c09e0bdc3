"""Item files through the import path of `triage-app import`: check the whole file, then write it
in one transaction, or write nothing."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.import_fixtures import import_items, item_record, row_counts, write_items
from triage_app.io.items_file import read_items
from triage_app.io.problems import MAX_REPORTED, InputFileError
from triage_app.store.store import Store

pytest_plugins = ["tests.import_fixtures"]

# Imported before each bad file, so "unchanged" compares non-empty tables.
EARLIER = [item_record("e1"), item_record("e2", label="technical", confidence=0.55)]


def jsonl(*records: dict[str, object]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def without(record: dict[str, object], key: str) -> dict[str, object]:
    return {name: value for name, value in record.items() if name != key}


def with_suggestion(item_id: str, **suggestion: object) -> dict[str, object]:
    record = item_record(item_id)
    record["suggestion"] = {**record["suggestion"], **suggestion}
    return record


LATIN1_LINE = b'{"id": "x2", "text": "caf\xe9 au lait", "suggestion": {"label": "billing", ' + (
    b'"distribution": {"billing": 1.0}}}\n'
)
CSV_HEADER = "id,text,label,distribution\n"


@dataclass(frozen=True)
class BadFile:
    """An item file that must be rejected, and what its error message must name.

    `line`, `field` and `value` are None where the problem has none of them, e.g. an empty file.
    `also` lists further text the message must contain.
    """

    name: str
    file_name: str
    content: str | bytes
    line: int | None = None
    field: str | None = None
    value: str | None = None
    also: tuple[str, ...] = ()


BAD_FILES = [
    BadFile("empty file", "items.jsonl", b"", also=("empty",)),
    BadFile("whitespace-only file", "items.jsonl", " \n\t\n\n", also=("empty",)),
    BadFile(
        "invalid JSON on line 3 of 5",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2"))
        + '{"id": "x3", "text": "unterminated\n'
        + jsonl(item_record("x4"), item_record("x5")),
        line=3,
        also=("invalid JSON",),
    ),
    BadFile(
        "missing text",
        "items.jsonl",
        jsonl(item_record("x1"), without(item_record("x2"), "text")),
        line=2,
        field="text",
        also=("missing",),
    ),
    BadFile(
        "empty text",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2", text="")),
        line=2,
        field="text",
        value="''",
    ),
    BadFile(
        "whitespace-only text",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2", text=" \t ")),
        line=2,
        field="text",
        value=repr(" \t "),
    ),
    BadFile(
        "missing id",
        "items.jsonl",
        jsonl(item_record("x1"), without(item_record("x2"), "id")),
        line=2,
        field="id",
        also=("missing",),
    ),
    BadFile(
        "duplicate id in one file",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2"), item_record("x1", label="account")),
        line=3,
        field="id",
        value="'x1'",
        also=("line 1",),
    ),
    BadFile(
        "label not in taxonomy",
        "items.jsonl",
        jsonl(item_record("x1"), with_suggestion("x2", label="shipping")),
        line=2,
        field="suggestion.label",
        value="'shipping'",
    ),
    BadFile(
        "distribution label not in taxonomy",
        "items.jsonl",
        jsonl(
            item_record("x1"), with_suggestion("x2", distribution={"billing": 0.6, "refunds": 0.4})
        ),
        line=2,
        field="suggestion.distribution",
        value="'refunds'",
    ),
    BadFile(
        "negative probability",
        "items.jsonl",
        jsonl(
            item_record("x1"),
            with_suggestion("x2", distribution={"billing": 0.7, "technical": 0.5, "account": -0.2}),
        ),
        line=2,
        field="suggestion.distribution",
        value="-0.2",
        also=("'account'",),
    ),
    BadFile(
        "distribution sums to 0.95",
        "items.jsonl",
        jsonl(
            item_record("x1"), with_suggestion("x2", distribution={"billing": 0.6, "account": 0.35})
        ),
        line=2,
        field="suggestion.distribution",
        value="0.95",
    ),
    BadFile(
        "suggested label without probability",
        "items.jsonl",
        jsonl(item_record("x1"), with_suggestion("x2", distribution={"technical": 1.0})),
        line=2,
        field="suggestion.distribution",
        also=("'billing'",),
    ),
    BadFile(
        "Latin-1 byte on line 2",
        "items.jsonl",
        jsonl(item_record("x1")).encode() + LATIN1_LINE,
        line=2,
        value="0xE9",
        also=(f"column {LATIN1_LINE.index(0xE9) + 1}",),
    ),
    BadFile(
        "unknown field",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2", colour="red")),
        line=2,
        field="colour",
    ),
    BadFile(
        "unknown suggestion field",
        "items.jsonl",
        jsonl(item_record("x1"), with_suggestion("x2", score=0.6)),
        line=2,
        field="suggestion.score",
    ),
    BadFile(
        "other taxonomy version",
        "items.jsonl",
        jsonl(item_record("x1"), with_suggestion("x2", taxonomy_version="support-v0")),
        line=2,
        field="suggestion.taxonomy_version",
        value="'support-v0'",
    ),
    BadFile(
        "priority not a whole number",
        "items.jsonl",
        jsonl(item_record("x1"), item_record("x2", priority="high")),
        line=2,
        field="priority",
        value="'high'",
    ),
    BadFile(
        "CSV missing a required column",
        "items.csv",
        "id,text,label\nx1,Hello,billing\n",
        line=1,
        field="distribution",
        also=("missing column",),
    ),
    BadFile(
        "CSV label not in taxonomy",
        "items.csv",
        CSV_HEADER + 'x1,Hello,billing,"{""billing"": 1}"\nx2,Hi,shipping,"{""billing"": 1}"\n',
        line=3,
        field="label",
        value="'shipping'",
    ),
    BadFile(
        "CSV distribution cell not JSON",
        "items.csv",
        CSV_HEADER + "x1,Hello,billing,billing=1\n",
        line=2,
        field="distribution",
        value="'billing=1'",
    ),
    BadFile(
        "unknown file extension",
        "items.txt",
        jsonl(item_record("x1")),
        value="'.txt'",
    ),
]


def write_content(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda case: case.name)
def test_bad_file_imports_nothing(case, tmp_path, db_path, taxonomy):
    path = write_content(tmp_path / case.file_name, case.content)

    with Store(db_path) as store:
        import_items(store, write_items(tmp_path / "earlier.jsonl", EARLIER), taxonomy)
        before = row_counts(db_path)
        with pytest.raises(InputFileError) as raised:
            import_items(store, path, taxonomy)
    after = row_counts(db_path)

    message = str(raised.value)
    assert str(path) in message
    if case.line is not None:
        assert re.search(rf"\bline {case.line}\b", message), message
    if case.field is not None:
        assert f"field {case.field!r}" in message
    if case.value is not None:
        assert case.value in message
    for text in case.also:
        assert text in message
    assert after == before


@pytest.mark.parametrize(
    ("distribution", "valid"),
    [
        ({"billing": 0.6, "technical": 0.35}, False),
        ({"billing": 0.6, "technical": 0.3995}, True),
        ({"billing": 0.6, "technical": 0.4005}, True),
        ({"billing": 0.6, "technical": 0.45}, False),
    ],
    ids=["sum 0.95", "sum 0.9995", "sum 1.0005", "sum 1.05"],
)
def test_distribution_sum_tolerance(distribution, valid, tmp_path, store, taxonomy):
    path = write_items(tmp_path / "items.jsonl", [with_suggestion("x1", distribution=distribution)])

    if not valid:
        with pytest.raises(InputFileError, match="sum"):
            import_items(store, path, taxonomy)
        assert store.review_item("x1") is None
        return

    summary = import_items(store, path, taxonomy)
    assert summary.added == 1
    assert store.review_item("x1").suggestion.distribution == distribution


@pytest.mark.parametrize("file_name", ["items.csv", "items.jsonl"])
def test_byte_order_mark_imports(file_name, tmp_path, store, taxonomy):
    records = [item_record("x1"), item_record("x2", label="account", confidence=0.7)]
    path = write_items(tmp_path / file_name, records)
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())

    summary = import_items(store, path, taxonomy)

    assert summary.added == len(records)
    assert store.review_item("x1") is not None
    assert store.review_item("x2").suggestion.label == "account"


def test_csv_multiline_cell_keeps_line_numbers(tmp_path, store, taxonomy):
    cell = '"first line\nsecond line, with a comma\nthird line"'
    good_rows = (
        f'x1,{cell},billing,"{{""billing"": 1}}"\n'  # lines 2 to 4
        'x2,Hello,technical,"{""technical"": 1}"\n'  # line 5
    )
    bad_path = write_content(
        tmp_path / "bad.csv",
        CSV_HEADER + good_rows + 'x3,"Hi,\nagain",shipping,"{""billing"": 1}"\n',  # lines 6 to 7
    )

    with pytest.raises(InputFileError) as raised:
        import_items(store, bad_path, taxonomy)

    message = str(raised.value)
    assert re.search(r"\bline 6\b", message), message
    assert "field 'label'" in message

    good_path = write_content(tmp_path / "good.csv", CSV_HEADER + good_rows)
    import_items(store, good_path, taxonomy)
    assert store.review_item("x1").text == "first line\nsecond line, with a comma\nthird line"


def test_jsonl_fields_round_trip(tmp_path, store, taxonomy):
    record = {
        "id": "ticket-1",
        "text": "I was charged twice.\n<b>Please</b> refund one.",
        "suggestion": {
            "label": "billing",
            "distribution": {"billing": 0.55, "account": 0.3, "technical": 0.15},
            "rationale": "Mentions a double charge.",
            "model": "gpt-4o-mini",
            "method": "logprobs",
            "taxonomy_version": "support-v1",
        },
        "escalation_reason": "confidence below 0.7",
        "priority": 2,
        "meta": {"channel": "email", "customer_tier": "gold"},
    }
    path = write_items(tmp_path / "items.jsonl", [record])

    import_items(store, path, taxonomy)
    item = store.review_item("ticket-1")

    assert item.text == record["text"]
    assert item.priority == record["priority"]
    assert item.meta == record["meta"]
    assert item.suggestion.label == record["suggestion"]["label"]
    assert item.suggestion.distribution == record["suggestion"]["distribution"]
    assert item.suggestion.rationale == record["suggestion"]["rationale"]
    assert item.suggestion.model == record["suggestion"]["model"]
    assert item.suggestion.method == record["suggestion"]["method"]
    assert item.suggestion.taxonomy_version == record["suggestion"]["taxonomy_version"]
    assert item.suggestion.escalation_reason == record["escalation_reason"]


def test_csv_columns_round_trip(tmp_path, store, taxonomy):
    path = write_content(
        tmp_path / "items.csv",
        "id,text,label,distribution,rationale,model,method,escalation_reason,priority,meta,"
        "taxonomy_version\n"
        'ticket-1,"I was charged twice, once on the 3rd.",billing,'
        '"{""billing"": 0.55, ""account"": 0.45}",Mentions a double charge.,gpt-4o-mini,'
        'logprobs,confidence below 0.7,2,"{""channel"": ""email""}",support-v1\n'
        'ticket-2,The app crashes.,technical,"{""technical"": 1}",,,,,,,\n',
    )

    summary = import_items(store, path, taxonomy)
    first = store.review_item("ticket-1")
    second = store.review_item("ticket-2")

    assert summary.added == 2
    assert first.text == "I was charged twice, once on the 3rd."
    assert first.priority == 2
    assert first.meta == {"channel": "email"}
    assert first.suggestion.distribution == {"billing": 0.55, "account": 0.45}
    assert first.suggestion.rationale == "Mentions a double charge."
    assert first.suggestion.model == "gpt-4o-mini"
    assert first.suggestion.method == "logprobs"
    assert first.suggestion.escalation_reason == "confidence below 0.7"
    assert first.suggestion.taxonomy_version == "support-v1"
    assert second.priority == 0
    assert second.meta == {}
    assert second.suggestion.taxonomy_version == "support-v1"


def test_reimport_same_file_adds_nothing(tmp_path, store, taxonomy, db_path):
    records = [item_record(f"x{number}") for number in range(1, 6)]
    path = write_items(tmp_path / "items.jsonl", records)
    import_items(store, path, taxonomy)
    before = row_counts(db_path)

    summary = import_items(store, path, taxonomy)

    assert summary.added == 0
    assert summary.resuggested == 0
    assert summary.unchanged == len(records)
    assert row_counts(db_path) == before


def test_reimport_changed_suggestion_adds_one(tmp_path, store, taxonomy, db_path):
    first = [item_record("x1"), item_record("x2")]
    import_items(store, write_items(tmp_path / "first.jsonl", first), taxonomy)
    before = row_counts(db_path)
    changed = [item_record("x1"), item_record("x2", label="technical", confidence=0.8)]

    summary = import_items(store, write_items(tmp_path / "changed.jsonl", changed), taxonomy)
    after = row_counts(db_path)
    item = store.review_item("x2")

    assert summary.added == 0
    assert summary.resuggested == 1
    assert summary.unchanged == 1
    assert after["items"] == before["items"]
    assert after["suggestions"] == before["suggestions"] + 1
    assert item.suggestion.label == "technical"
    assert item.suggestion.distribution == changed[1]["suggestion"]["distribution"]


def test_bad_last_line_of_500_imports_nothing(tmp_path, store, taxonomy, db_path):
    records = [item_record(f"x{number}") for number in range(1, 500)]
    records.append(with_suggestion("x500", label="shipping"))
    path = write_items(tmp_path / "items.jsonl", records)
    before = row_counts(db_path)

    with pytest.raises(InputFileError) as raised:
        import_items(store, path, taxonomy)

    assert re.search(r"\bline 500\b", str(raised.value))
    assert row_counts(db_path) == before
    assert store.review_item("x1") is None


def test_file_changed_after_check_imports_nothing(tmp_path, store, taxonomy, db_path):
    records = [item_record(f"x{number}") for number in range(1, 4)]
    path = write_items(tmp_path / "items.jsonl", records)
    items = read_items(path, taxonomy)
    before = row_counts(db_path)

    # The import parses the file a second time, so a line broken after the check must still
    # roll back the items written before it.
    write_items(path, [*records, with_suggestion("x4", label="shipping")])
    with pytest.raises(InputFileError), store.transaction():
        store.add_items(items)

    assert row_counts(db_path) == before


def test_problems_listed_up_to_maximum(tmp_path, store, taxonomy):
    bad_lines = MAX_REPORTED + 5
    records = [with_suggestion(f"x{number}", label="shipping") for number in range(bad_lines)]
    path = write_items(tmp_path / "items.jsonl", records)

    with pytest.raises(InputFileError) as raised:
        import_items(store, path, taxonomy)

    assert len(raised.value.problems) == MAX_REPORTED
    assert raised.value.total == bad_lines
    assert "5 more problems" in str(raised.value)


def test_text_with_line_separator_imports(tmp_path, store, taxonomy):
    # json.dumps(ensure_ascii=False) writes U+2028 unescaped, and it is valid inside a JSON string.
    text = "First paragraph.\u2028Second paragraph."
    path = write_items(tmp_path / "items.jsonl", [item_record("x1", text=text), item_record("x2")])

    import_items(store, path, taxonomy)

    assert store.review_item("x1").text == text


def test_invalid_byte_after_bom_named(tmp_path, store, taxonomy):
    line_2 = b'x2,caf\xe9,billing,"{""billing"": 1}"\n'
    path = write_content(tmp_path / "items.csv", codecs.BOM_UTF8 + CSV_HEADER.encode() + line_2)

    with pytest.raises(InputFileError) as raised:
        import_items(store, path, taxonomy)

    message = str(raised.value)
    assert re.search(r"\bline 2\b", message), message
    assert "0xE9" in message
    assert f"column {line_2.index(0xE9) + 1}" in message
