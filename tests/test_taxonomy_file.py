"""Taxonomy files in YAML and JSON, and taxonomy versions in the store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.import_fixtures import row_counts
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.io.problems import InputFileError
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.errors import StoreError
from triage_app.store.store import Store

pytest_plugins = ["tests.import_fixtures"]

FULL_LABELS = [
    {
        "name": "billing",
        "description": "Charges, invoices and refunds.",
        "includes": ["refund requests", "double charges"],
        "excludes": ["login problems"],
        "examples": ["I was charged twice."],
    },
    {"name": "technical", "description": "The product does not work as documented."},
    {"name": "account"},
]
EXPECTED_LABELS = (
    Label(
        name="billing",
        description="Charges, invoices and refunds.",
        includes=("refund requests", "double charges"),
        excludes=("login problems",),
        examples=("I was charged twice.",),
    ),
    Label(name="technical", description="The product does not work as documented."),
    Label(name="account"),
)


def write_document(path: Path, document: object) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_labels_as_list(suffix, tmp_path):
    document = {
        "version": "support-v1",
        "name": "Support tickets",
        "description": "Inbound customer email.",
        "labels": FULL_LABELS,
    }
    path = write_document(tmp_path / f"taxonomy{suffix}", document)

    taxonomy = read_taxonomy(path)

    assert taxonomy.version == "support-v1"
    assert taxonomy.name == "Support tickets"
    assert taxonomy.description == "Inbound customer email."
    assert taxonomy.labels == EXPECTED_LABELS


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_labels_as_mapping(suffix, tmp_path):
    labels = {
        entry["name"]: {k: v for k, v in entry.items() if k != "name"} for entry in FULL_LABELS
    }
    labels["technical"] = "The product does not work as documented."
    labels["account"] = None
    path = write_document(
        tmp_path / f"taxonomy{suffix}", {"version": "support-v1", "labels": labels}
    )

    taxonomy = read_taxonomy(path)

    assert taxonomy.labels == EXPECTED_LABELS


def test_labels_as_names(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("version: support-v1\nlabels: [billing, technical, account]\n")

    taxonomy = read_taxonomy(path)

    assert taxonomy.names == ["billing", "technical", "account"]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_missing_version_rejected(suffix, tmp_path):
    path = write_document(tmp_path / f"taxonomy{suffix}", {"labels": ["billing", "technical"]})

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    message = str(raised.value)
    assert str(path) in message
    assert "field 'version'" in message
    assert "missing" in message


@pytest.mark.parametrize("labels", [None, [], {}], ids=["missing", "empty list", "empty mapping"])
def test_no_labels_rejected(labels, tmp_path):
    document = {"version": "support-v1"} if labels is None else {"version": "v1", "labels": labels}
    path = write_document(tmp_path / "taxonomy.yaml", document)

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    assert "field 'labels'" in str(raised.value)


def test_duplicate_label_rejected(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "version: support-v1\nlabels:\n  - name: billing\n  - name: technical\n  - name: billing\n"
    )

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    message = str(raised.value)
    assert str(path) in message
    assert "field 'labels[2].name'" in message
    assert "'billing'" in message


def test_duplicate_label_names_its_line(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "version: support-v1\nlabels:\n  - name: billing\n  - name: technical\n  - name: billing\n"
    )

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    assert re.search(r"\bline 5\b", str(raised.value)), str(raised.value)


@pytest.mark.parametrize(
    ("file_name", "text"),
    [
        (
            "taxonomy.yaml",
            "version: support-v1\n"
            "labels:\n"
            "  billing: Charges and invoices.\n"
            "  technical: Bugs.\n"
            "  billing: Refunds.\n",
        ),
        (
            "taxonomy.json",
            '{"version": "support-v1", "labels": {"billing": "Charges and invoices.", '
            '"technical": "Bugs.", "billing": "Refunds."}}',
        ),
    ],
    ids=["yaml", "json"],
)
def test_duplicate_label_in_mapping_rejected(file_name, text, tmp_path):
    path = tmp_path / file_name
    path.write_text(text)

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    assert "'billing'" in str(raised.value)


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("version: support-v1\nlabels:\n  - billing\n\t- technical\n  - account\n")

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    message = str(raised.value)
    assert str(path) in message
    assert re.search(r"\bline 4\b", message), message
    assert "invalid YAML" in message


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "taxonomy.json"
    path.write_text(
        '{"version": "support-v1",\n "labels": ["billing",\n  "technical" "account"]}\n'
    )

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    message = str(raised.value)
    assert str(path) in message
    assert re.search(r"\bline 3\b", message), message
    assert "invalid JSON" in message


def test_document_not_mapping_rejected(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("- billing\n- technical\n")

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    assert "'list'" in str(raised.value)


def test_includes_not_strings_rejected(tmp_path):
    path = write_document(
        tmp_path / "taxonomy.yaml",
        {"version": "support-v1", "labels": [{"name": "billing", "includes": [{"a": 1}]}]},
    )

    with pytest.raises(InputFileError) as raised:
        read_taxonomy(path)

    assert "field 'labels[0].includes'" in str(raised.value)


def test_numeric_version_kept_as_written(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("version: 1.10\nlabels: [billing, technical]\n")

    # Reading 1.10 as the text "1.10" is correct, and so is rejecting the unquoted number.
    # Reading it as "1.1" makes it collide with an earlier version 1.1.
    try:
        taxonomy = read_taxonomy(path)
    except InputFileError as error:
        assert "field 'version'" in str(error)
        return
    assert taxonomy.version == "1.10"


def test_add_same_version_twice_is_noop(db_path, taxonomy):
    with Store(db_path) as store:
        first = store.add_taxonomy(taxonomy)
        before = row_counts(db_path)
        second = store.add_taxonomy(taxonomy)

    assert first is True
    assert second is False
    assert row_counts(db_path) == before


def test_same_version_other_labels_raises(db_path, taxonomy):
    changed = Taxonomy(version=taxonomy.version, labels=(*taxonomy.labels, Label(name="shipping")))

    with Store(db_path) as store:
        store.add_taxonomy(taxonomy)
        before = row_counts(db_path)
        with pytest.raises(StoreError, match=re.escape(repr(taxonomy.version))):
            store.add_taxonomy(changed)
        stored = store.taxonomy(taxonomy.version)

    assert row_counts(db_path) == before
    assert stored.labels == taxonomy.labels


def test_stored_taxonomy_reads_back(db_path, taxonomy_path):
    taxonomy = read_taxonomy(taxonomy_path)
    with Store(db_path) as store:
        store.add_taxonomy(taxonomy)

    with Store(db_path) as reopened:
        newest = reopened.taxonomy()

    assert newest == taxonomy
