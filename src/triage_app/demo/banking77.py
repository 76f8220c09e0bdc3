"""Build the demo store from banking77: the escalated part of the test split, to review."""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from triage_app.demo.model import METHOD, MODEL_NAME, TextClassifier
from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.store import Store

logger = logging.getLogger(__name__)

# Below this top-label probability the demo model's answer goes to a person. On the test split
# about 600 of 3,080 messages fall below it, and the model is right on about 60 % of those.
CONFIDENCE_THRESHOLD = 0.5
# A wrong answer on these costs a customer money, so a person checks every one, first.
HIGH_IMPACT_LABELS = frozenset({"compromised_card", "lost_or_stolen_card", "card_swallowed"})
HIGH_IMPACT_PRIORITY = 1


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    escalated: int
    test_messages: int
    seconds: float


def _data_file(name: str) -> Path:
    return Path(str(resources.files("triage_app") / "resources" / "banking77" / name))


def _read_split(name: str) -> list[tuple[str, str]]:
    with _data_file(name).open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def load_taxonomy() -> Taxonomy:
    return read_taxonomy(_data_file("taxonomy.json"))


def build_demo(path: str | Path) -> DemoSummary:
    """Train the demo model, classify the test split and store the escalated messages.

    Building into an existing demo store adds nothing twice: items keep their ids
    (banking77-test-<row>) and decisions already logged stay.
    """
    started = time.perf_counter()
    taxonomy = load_taxonomy()
    train = _read_split("train.csv")
    test = _read_split("test.csv")

    classifier = TextClassifier().fit([text for text, _ in train], [label for _, label in train])
    predictions = classifier.predict([text for text, _ in test])
    logger.info("demo model trained on %d messages, classified %d", len(train), len(test))

    items = []
    for row, ((text, _gold), prediction) in enumerate(zip(test, predictions, strict=True)):
        confidence = prediction.distribution[prediction.label]
        reasons = []
        if confidence < CONFIDENCE_THRESHOLD:
            reasons.append(
                f"low confidence: {confidence:.2f} is below the threshold "
                f"{CONFIDENCE_THRESHOLD:.2f}"
            )
        if prediction.label in HIGH_IMPACT_LABELS:
            reasons.append(f"high-impact label: {prediction.label} is always checked")
        if not reasons:
            continue

        items.append(
            NewItem(
                id=f"banking77-test-{row + 1}",
                text=text,
                priority=HIGH_IMPACT_PRIORITY if prediction.label in HIGH_IMPACT_LABELS else 0,
                meta={"source": "banking77 test.csv", "row": row + 1},
                suggestion=Suggestion(
                    label=prediction.label,
                    distribution=prediction.distribution,
                    rationale=prediction.rationale,
                    model=MODEL_NAME,
                    method=METHOD,
                    escalation_reason="; ".join(reasons),
                    taxonomy_version=taxonomy.version,
                ),
            )
        )

    with Store(path) as store:
        store.add_taxonomy(taxonomy)
        store.add_items(items)

    seconds = time.perf_counter() - started
    logger.info("demo store %s built with %d escalated items in %.1f s", path, len(items), seconds)
    return DemoSummary(
        path=Path(path), escalated=len(items), test_messages=len(test), seconds=seconds
    )
