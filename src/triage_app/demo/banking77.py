"""Build the demo store from banking77: the escalated part of the test split to review, and
banking77's own labels for half of the test split as logged decisions."""

from __future__ import annotations

import csv
import logging
import random
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from triage_app.demo.model import METHOD, MODEL_NAME, TextClassifier
from triage_app.domain.decision import Action
from triage_app.domain.item import NewItem
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Taxonomy
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.store import Store

logger = logging.getLogger(__name__)

# Below this top-label probability the demo model's suggestion goes to a person. On the test
# split about 600 of 3,080 messages fall below it, and the model is right on about 60 % of those.
CONFIDENCE_THRESHOLD = 0.5
# A wrong label on these costs a customer money, so a person checks every one, first.
HIGH_IMPACT_LABELS = frozenset({"compromised_card", "lost_or_stolen_card", "card_swallowed"})
HIGH_IMPACT_PRIORITY = 1
# banking77's own labels are real human labels. They are logged as this reviewer's decisions
# for a fixed random part of the test split, so the dashboard has real figures from the start.
# The other escalated messages stay in the queue.
GOLD_REVIEWER = "banking77"
PROJECT_ID = "banking77-demo"
GOLD_ORIGIN = "banking77-gold-labels"
# The data set's publication date replaces the unknown time of its annotations. One fixed time
# also makes the gold decisions of every demo store identical.
GOLD_DECIDED_AT = "2020-03-10T00:00:00.000Z"
GOLD_SHARE = 0.5
GOLD_SEED = 77


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    escalated: int
    test_messages: int
    gold_decisions: int
    queued: int
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

    gold_rows = set(
        random.Random(GOLD_SEED).sample(range(len(test)), round(GOLD_SHARE * len(test)))
    )
    items = []
    gold: dict[str, str] = {}
    for row, ((text, label), prediction) in enumerate(zip(test, predictions, strict=True)):
        item_id = f"banking77-test-{row + 1}"
        reasons = _escalation_reasons(prediction.label, prediction.distribution[prediction.label])
        if not reasons and row not in gold_rows:
            continue
        if row in gold_rows:
            gold[item_id] = label

        items.append(
            NewItem(
                id=item_id,
                text=text,
                priority=HIGH_IMPACT_PRIORITY if prediction.label in HIGH_IMPACT_LABELS else 0,
                meta={"source": "banking77 test.csv", "row": row + 1},
                suggestion=Suggestion(
                    label=prediction.label,
                    distribution=prediction.distribution,
                    rationale=prediction.rationale,
                    model=MODEL_NAME,
                    method=METHOD,
                    escalation_reason="; ".join(reasons) or "not escalated: confident answer",
                    taxonomy_version=taxonomy.version,
                ),
            )
        )

    with Store(path) as store:
        # Every demo store is one project, so reviewers' demo stores merge into a team store.
        store.set_project_id(PROJECT_ID)
        store.add_taxonomy(taxonomy)
        store.add_items(items)
        logged = _log_gold_decisions(store, gold)
        queued = store.queue_counts().pending

    seconds = time.perf_counter() - started
    logger.info(
        "demo store %s built in %.1f s: %d items, %d gold decisions", path, seconds, len(items),
        logged,
    )  # fmt: skip
    escalated = sum(1 for item in items if not item.suggestion.escalation_reason.startswith("not "))
    return DemoSummary(
        path=Path(path),
        escalated=escalated,
        test_messages=len(test),
        gold_decisions=logged,
        queued=queued,
        seconds=seconds,
    )


def _escalation_reasons(label: str, confidence: float) -> list[str]:
    reasons = []
    if confidence < CONFIDENCE_THRESHOLD:
        reasons.append(
            f"low confidence: {confidence:.2f} is below the threshold {CONFIDENCE_THRESHOLD:.2f}"
        )
    if label in HIGH_IMPACT_LABELS:
        reasons.append(f"high-impact label: {label} is always checked")
    return reasons


def _log_gold_decisions(store: Store, gold: dict[str, str]) -> int:
    """Log banking77's label of each item as the gold reviewer's decision, once per item.

    The decisions carry a fixed time and a duration of 0 ms. The original annotators were not
    timed, so the gold reviewer has no pace.
    """
    already = {
        row[0]
        for row in store.conn.execute(
            "SELECT item_id FROM decisions WHERE reviewer = ?", (GOLD_REVIEWER,)
        )
    }
    logged = 0
    with store.transaction():
        for item_id, label in gold.items():
            if item_id in already:
                continue
            item = store.review_item(item_id)
            action = Action.ACCEPT if label == item.suggestion.label else Action.OVERTURN
            # Every demo store logs the same gold labels; one origin keeps them once when
            # reviewers' demo stores are merged.
            row = int(item_id.rsplit("-", 1)[1])
            store.add_decision(
                item=item,
                reviewer=GOLD_REVIEWER,
                action=action,
                label=label,
                decided_at=GOLD_DECIDED_AT,
                origin=(GOLD_ORIGIN, row),
            )
            logged += 1
    return logged
