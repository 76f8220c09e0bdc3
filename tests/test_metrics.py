"""The report's metrics against statsmodels, scikit-learn and plain loops over raw values.

Every expected value here is computed from per-decision or per-item values that the test
writes down, never from the columns, bins or sums that the code under test builds.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    cohen_kappa_score,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from triage_app.domain.calibration import Calibration, calibration
from triage_app.domain.classification import (
    ClassificationReport,
    classification_report,
    confused_pairs,
    confusion_matrix,
)
from triage_app.domain.decision import Action, Decision
from triage_app.domain.facts import DecisionFacts, day_number
from triage_app.domain.item import NewItem, ReviewItem
from triage_app.domain.rates import Rate, rate, wilson_interval
from triage_app.domain.report import Report, build_report
from triage_app.domain.report_filter import ReportFilter
from triage_app.domain.suggestion import Suggestion
from triage_app.domain.taxonomy import Label, Taxonomy
from triage_app.store.facts_query import CACHE_BLOCK_MIN, load_decision_facts
from triage_app.store.store import Store

# Wilson intervals

WILSON_CASES = [
    (0, 1), (1, 1), (0, 2), (1, 2), (0, 10), (10, 10), (3, 10), (17, 250), (499, 1000),
    (1, 1_000_000),
]  # fmt: skip


@pytest.mark.parametrize(("successes", "total"), WILSON_CASES)
def test_wilson_interval_matches_statsmodels(successes, total):
    expected_lower, expected_upper = proportion_confint(
        successes, total, alpha=0.05, method="wilson"
    )

    lower, upper = wilson_interval(successes, total)

    assert lower == pytest.approx(expected_lower, abs=1e-12)
    assert upper == pytest.approx(expected_upper, abs=1e-12)
    assert 0.0 <= lower <= upper <= 1.0


def test_wilson_interval_exact_at_zero_and_all():
    for total in range(1, 200):
        assert wilson_interval(0, total)[0] == 0.0, f"0/{total}"
        assert wilson_interval(total, total)[1] == 1.0, f"{total}/{total}"


@pytest.mark.parametrize(("successes", "total"), WILSON_CASES)
def test_rate_matches_statsmodels(successes, total):
    expected_lower, expected_upper = proportion_confint(
        successes, total, alpha=0.05, method="wilson"
    )

    result = rate(successes, total)

    assert result.successes == successes
    assert result.total == total
    assert result.value == pytest.approx(successes / total)
    assert result.lower == pytest.approx(expected_lower, abs=1e-12)
    assert result.upper == pytest.approx(expected_upper, abs=1e-12)


def test_rate_of_zero_trials_is_none():
    result = rate(0, 0)

    assert result.total == 0
    assert result.value is None
    assert result.lower is None
    assert result.upper is None
    assert result.as_dict() == {"count": 0, "total": 0, "rate": None, "lower": None, "upper": None}


def test_wilson_interval_rejects_zero_trials():
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)


# Classification: precision, recall, F1, confusion matrix, confused pairs


def random_label_indices(seed: int, n_labels: int, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw imbalanced human and model label indices, with the model right about 70 % of the time.

    Human labels follow weights 1/k^1.5, so the first labels dominate. The model's mistakes
    favour the rare labels, so a large taxonomy gets classes that are predicted but never true
    and classes that are true but never predicted.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_labels + 1) ** 1.5
    weights /= weights.sum()
    human = rng.choice(n_labels, size=n_items, p=weights)
    wrong = rng.choice(n_labels, size=n_items, p=weights[::-1])
    model = np.where(rng.random(n_items) < 0.7, human, wrong)
    return human, model


def label_names(n_labels: int) -> tuple[str, ...]:
    return tuple(f"label-{index:02d}" for index in range(n_labels))


def expected_confused_pairs(
    human: Sequence[str], model: Sequence[str]
) -> list[tuple[str, str, int]]:
    """Count each (human, model) pair that disagrees: largest count first, then by names."""
    counts = Counter((h, m) for h, m in zip(human, model, strict=True) if h != m)
    return sorted(
        ((h, m, count) for (h, m), count in counts.items()),
        key=lambda pair: (-pair[2], pair[0], pair[1]),
    )


def pairs_of(report: ClassificationReport) -> list[tuple[str, str, int]]:
    return [(pair.human, pair.model, pair.count) for pair in report.confused_pairs]


CLASSIFICATION_CASES = [
    (seed, n_labels, n_items)
    for seed in (0, 1, 2, 3)
    for n_labels, n_items in ((5, 40), (5, 600), (77, 300), (77, 3000))
]


@pytest.mark.parametrize(("seed", "n_labels", "n_items"), CLASSIFICATION_CASES)
def test_confusion_matrix_matches_sklearn(seed, n_labels, n_items):
    human, model = random_label_indices(seed, n_labels, n_items)

    result = confusion_matrix(human, model, n_labels)

    expected = sklearn_confusion_matrix(human, model, labels=list(range(n_labels)))
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(("seed", "n_labels", "n_items"), CLASSIFICATION_CASES)
def test_classification_report_matches_sklearn(seed, n_labels, n_items):
    human, model = random_label_indices(seed, n_labels, n_items)
    names = label_names(n_labels)

    report = classification_report(confusion_matrix(human, model, n_labels), names)

    present = sorted(set(human.tolist()) | set(model.tolist()))
    precision, recall, f1, support = precision_recall_fscore_support(
        human, model, labels=present, zero_division=0
    )
    predicted = Counter(model.tolist())
    assert report.items == n_items
    assert report.labels == names
    assert report.accuracy == pytest.approx(accuracy_score(human, model))
    assert report.macro_f1 == pytest.approx(
        f1_score(human, model, average="macro", zero_division=0)
    )
    assert report.micro_f1 == pytest.approx(
        f1_score(human, model, average="micro", zero_division=0)
    )
    assert list(report.per_class) == [names[index] for index in present]
    for position, index in enumerate(present):
        scores = report.per_class[names[index]]
        assert scores.precision == pytest.approx(precision[position]), names[index]
        assert scores.recall == pytest.approx(recall[position]), names[index]
        assert scores.f1 == pytest.approx(f1[position]), names[index]
        assert scores.support == support[position], names[index]
        assert scores.predicted == predicted[index], names[index]
    expected_pairs = expected_confused_pairs([names[i] for i in human], [names[i] for i in model])
    assert pairs_of(report) == expected_pairs


def test_random_labels_cover_degenerate_classes():
    """The 77-label cases above include classes never predicted and classes never true."""
    human, model = random_label_indices(0, 77, 300)
    support = np.bincount(human, minlength=77)
    predicted = np.bincount(model, minlength=77)

    assert np.any((support > 0) & (predicted == 0))
    assert np.any((support == 0) & (predicted > 0))
    assert np.any((support == 0) & (predicted == 0))


def test_classification_report_without_items():
    report = classification_report(np.zeros((3, 3), dtype=np.int64), ("a", "b", "c"))

    assert report.items == 0
    assert report.accuracy is None
    assert report.macro_f1 is None
    assert report.micro_f1 is None
    assert report.per_class == {}
    assert report.confused_pairs == []


def test_classification_report_without_labels():
    empty = np.zeros(0, dtype=np.int64)

    report = classification_report(confusion_matrix(empty, empty, 0), ())

    assert report.items == 0
    assert report.per_class == {}
    assert report.confusion.shape == (0, 0)


def test_classification_report_one_class():
    human = np.zeros(6, dtype=np.int64)

    report = classification_report(confusion_matrix(human, human, 3), ("a", "b", "c"))

    assert report.accuracy == 1.0
    assert report.macro_f1 == pytest.approx(f1_score(human, human, average="macro"))
    assert report.macro_f1 == 1.0
    assert report.micro_f1 == 1.0
    assert list(report.per_class) == ["a"]
    assert report.per_class["a"].precision == 1.0
    assert report.per_class["a"].recall == 1.0
    assert report.per_class["a"].support == 6
    assert report.confused_pairs == []


def test_class_never_predicted_scores_zero():
    # Human labels are a, b and c. The model never predicts c and predicts b for it.
    human = np.array([0, 1, 2])
    model = np.array([0, 1, 1])

    report = classification_report(confusion_matrix(human, model, 3), ("a", "b", "c"))

    never_predicted = report.per_class["c"]
    assert never_predicted.precision == 0.0
    assert never_predicted.recall == 0.0
    assert never_predicted.f1 == 0.0
    assert never_predicted.support == 1
    assert never_predicted.predicted == 0
    assert report.per_class["b"].precision == 0.5
    assert report.per_class["b"].recall == 1.0
    # F1 per class: a 1, b 2/3, c 0.
    assert report.macro_f1 == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert report.micro_f1 == pytest.approx(2 / 3)


def test_class_predicted_never_true_counts_in_macro():
    # The model predicts c once, but no human label is c.
    human = np.array([0, 0, 1])
    model = np.array([0, 2, 1])

    report = classification_report(confusion_matrix(human, model, 4), ("a", "b", "c", "d"))

    never_true = report.per_class["c"]
    assert never_true.precision == 0.0
    assert never_true.recall == 0.0
    assert never_true.f1 == 0.0
    assert never_true.support == 0
    assert never_true.predicted == 1
    assert "d" not in report.per_class
    # F1 per class: a 2/3 (precision 1, recall 1/2), b 1, c 0; d has neither and is left out.
    assert report.macro_f1 == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert report.macro_f1 == pytest.approx(f1_score(human, model, average="macro"))
    assert report.accuracy == pytest.approx(2 / 3)


def test_confused_pairs_order_by_hand():
    # Index order (zeta, alpha, mid) differs from name order, so ties must sort by name.
    labels = ("zeta", "alpha", "mid")
    confusion = np.array(
        [
            # model: zeta alpha mid
            [9, 3, 3],  # human zeta
            [3, 8, 1],  # human alpha
            [0, 5, 7],  # human mid
        ]
    )

    pairs = [(pair.human, pair.model, pair.count) for pair in confused_pairs(confusion, labels)]

    assert pairs == [
        ("mid", "alpha", 5),
        ("alpha", "zeta", 3),
        ("zeta", "alpha", 3),
        ("zeta", "mid", 3),
        ("alpha", "mid", 1),
    ]


# Calibration: bins, ECE, MCE, Brier score


def reference_bin(confidence: float, bins: int) -> int:
    """Return the bin [k/bins, (k+1)/bins) of a confidence, with 1.0 in the last bin.

    The confidence is read as the nearest fraction with a denominator up to 10^9, so 0.29 or
    2/15 land in the bin that starts at the value they stand for, whatever the float rounding.
    """
    exact = Fraction(float(confidence)).limit_denominator(10**9)
    return min(math.floor(exact * bins), bins - 1)


def reference_calibration(
    confidence: Sequence[float], agreed: Sequence[bool], bins: int
) -> dict[str, object]:
    """Compute the calibration figures with a loop over the raw values."""
    members: list[list[tuple[float, float]]] = [[] for _ in range(bins)]
    for value, hit in zip(confidence, agreed, strict=True):
        members[reference_bin(value, bins)].append((float(value), float(hit)))

    rows = []
    gaps = []
    for index, pairs in enumerate(members):
        if pairs:
            mean_confidence = sum(value for value, _ in pairs) / len(pairs)
            accuracy = sum(hit for _, hit in pairs) / len(pairs)
            gaps.append((len(pairs), abs(accuracy - mean_confidence)))
        else:
            mean_confidence = accuracy = None
        rows.append(
            {
                "lower": index / bins,
                "upper": (index + 1) / bins,
                "count": len(pairs),
                "mean_confidence": mean_confidence,
                "accuracy": accuracy,
            }
        )

    n = len(confidence)
    if n == 0:
        return {"items": 0, "ece": None, "mce": None, "brier": None, "bins": rows}
    squared_errors = [
        (float(value) - float(hit)) ** 2 for value, hit in zip(confidence, agreed, strict=True)
    ]
    return {
        "items": n,
        "ece": sum(count * gap for count, gap in gaps) / n,
        "mce": max(gap for _, gap in gaps),
        "brier": sum(squared_errors) / n,
        "bins": rows,
    }


def approx_or_none(expected: float | None) -> object:
    return None if expected is None else pytest.approx(expected, rel=1e-9, abs=1e-12)


def assert_calibration(actual: Calibration, expected: dict[str, object]) -> None:
    assert actual.items == expected["items"]
    assert actual.ece == approx_or_none(expected["ece"])
    assert actual.mce == approx_or_none(expected["mce"])
    assert actual.brier == approx_or_none(expected["brier"])
    assert len(actual.bins) == len(expected["bins"])
    for index, (got, want) in enumerate(zip(actual.bins, expected["bins"], strict=True)):
        assert got.lower == pytest.approx(want["lower"]), f"bin {index}"
        assert got.upper == pytest.approx(want["upper"]), f"bin {index}"
        assert got.count == want["count"], f"bin {index}"
        assert got.mean_confidence == approx_or_none(want["mean_confidence"]), f"bin {index}"
        assert got.accuracy == approx_or_none(want["accuracy"]), f"bin {index}"


def random_confidences(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw confidences in [0, 1) and whether the human agreed, with P(agreed) = confidence."""
    rng = np.random.default_rng(seed)
    confidence = rng.uniform(0.0, 1.0, size)
    agreed = rng.random(size) < confidence
    return confidence, agreed


def test_calibration_by_hand():
    # Bin 0.6-0.7: 0.62 agreed, 0.68 overturned, so accuracy 0.5, mean confidence 0.65.
    # Bin 0.9-1.0: 0.95 and 1.0, both agreed, so accuracy 1, mean confidence 0.975.
    confidence = np.array([0.62, 0.68, 0.95, 1.0])
    agreed = np.array([True, False, True, True])

    result = calibration(confidence, agreed)

    assert result.items == 4
    assert result.ece == pytest.approx((2 * 0.15 + 2 * 0.025) / 4)  # 0.0875
    assert result.mce == pytest.approx(0.15)
    assert result.brier == pytest.approx((0.38**2 + 0.68**2 + 0.05**2 + 0.0) / 4)  # 0.152325
    assert [b.count for b in result.bins] == [0, 0, 0, 0, 0, 0, 2, 0, 0, 2]
    assert result.bins[6].mean_confidence == pytest.approx(0.65)
    assert result.bins[6].accuracy == 0.5
    assert result.bins[9].mean_confidence == pytest.approx(0.975)
    assert result.bins[9].accuracy == 1.0
    assert result.bins[0].mean_confidence is None
    assert result.bins[0].accuracy is None


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("size", [1, 9, 2000])
@pytest.mark.parametrize("bins", [10, 15, 20])
def test_calibration_matches_loop(seed, size, bins):
    confidence, agreed = random_confidences(seed, size)
    # Every bin edge, 0.0 and 1.0 included, each once agreed and once overturned.
    edges = np.arange(bins + 1) / bins
    confidence = np.concatenate([confidence, edges, edges])
    agreed = np.concatenate([agreed, np.ones(bins + 1, bool), np.zeros(bins + 1, bool)])

    result = calibration(confidence, agreed, bins)

    assert_calibration(result, reference_calibration(confidence, agreed, bins))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("size", [1, 50, 5000])
def test_calibration_matches_sklearn(seed, size):
    # calibration_curve puts a confidence equal to an inner edge in the bin below
    # (np.searchsorted with side="left"), where ours puts it in the bin above, so this data
    # has no inner edges. Both put 1.0 in the last bin and 0.0 in the first.
    confidence, agreed = random_confidences(seed, size)
    confidence = np.concatenate([confidence, [0.0, 1.0, 1.0]])
    agreed = np.concatenate([agreed, [False, True, False]])

    result = calibration(confidence, agreed, 10)

    prob_true, prob_pred = calibration_curve(
        agreed.astype(int), confidence, n_bins=10, strategy="uniform"
    )
    non_empty = [b for b in result.bins if b.count > 0]
    assert [b.accuracy for b in non_empty] == pytest.approx(prob_true.tolist())
    assert [b.mean_confidence for b in non_empty] == pytest.approx(prob_pred.tolist())
    assert result.brier == pytest.approx(brier_score_loss(agreed.astype(int), confidence))


def test_calibration_bin_edges():
    confidence = np.array([0.0, 0.1, 0.5, 0.9, 0.99, 1.0])
    agreed = np.ones(len(confidence), dtype=bool)

    result = calibration(confidence, agreed, 10)

    assert [b.count for b in result.bins] == [1, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    # scikit-learn puts 0.1, 0.5 and 0.9 one bin lower, in bins 0, 4 and 8.
    _, prob_pred = calibration_curve(agreed.astype(int), confidence, n_bins=10)
    assert prob_pred.tolist() == pytest.approx([0.05, 0.5, 0.9, 0.995])
    assert [b.mean_confidence for b in result.bins if b.count] == pytest.approx(
        [0.0, 0.1, 0.5, (0.9 + 0.99 + 1.0) / 3]
    )


def test_calibration_bin_of_exact_value_with_100_bins():
    confidence = np.array([0.29, 0.57, 0.58])

    result = calibration(confidence, np.ones(3, dtype=bool), 100)

    assert result.bins[29].count == 1
    assert result.bins[57].count == 1
    assert result.bins[58].count == 1


def test_calibration_all_agreed_or_all_overturned():
    confidence = np.array([0.3, 0.55, 0.8])

    agreed_all = calibration(confidence, np.ones(3, dtype=bool))
    overturned_all = calibration(confidence, np.zeros(3, dtype=bool))

    assert agreed_all.brier == pytest.approx(brier_score_loss([1, 1, 1], confidence))
    assert overturned_all.brier == pytest.approx(brier_score_loss([0, 0, 0], confidence))
    assert agreed_all.ece == pytest.approx((0.7 + 0.45 + 0.2) / 3)
    assert overturned_all.ece == pytest.approx((0.3 + 0.55 + 0.8) / 3)
    assert overturned_all.mce == pytest.approx(0.8)


def test_calibration_without_items():
    result = calibration(np.zeros(0), np.zeros(0, dtype=bool))

    assert result.items == 0
    assert result.ece is None
    assert result.mce is None
    assert result.brier is None
    assert len(result.bins) == 10
    assert all(b.count == 0 and b.accuracy is None for b in result.bins)


# build_report on a decision log written in the test


@dataclass(frozen=True)
class Logged:
    """One effective accept or overturn as plain values. A log lists them oldest first."""

    item: str
    reviewer: str
    model_label: str
    human_label: str
    confidence: float
    day: date
    duration_ms: int
    taxonomy_version: str

    @property
    def overturned(self) -> bool:
        return self.human_label != self.model_label


LABELS = ("billing", "technical", "account", "shipping", "cancellation", "fraud")
REVIEWERS = ("ana", "ben", "chloé")
FIRST_DAY = date(2024, 3, 1)


def facts_from_log(log: Sequence[Logged], labels: Sequence[str] = LABELS) -> DecisionFacts:
    """Encode a log as DecisionFacts the way the store query does: names become indices.

    Columns that a Logged entry does not describe, such as `adjudication`, are all zero.
    """
    tables: dict[str, list[str]] = {
        "labels": list(labels), "reviewers": [], "versions": [], "items": [],
    }  # fmt: skip

    def code(table: str, name: str) -> int:
        names = tables[table]
        if name not in names:
            names.append(name)
        return names.index(name)

    def ints(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    columns = {
        "decision_id": ints(list(range(1, len(log) + 1))),
        "item": ints([code("items", d.item) for d in log]),
        "reviewer": ints([code("reviewers", d.reviewer) for d in log]),
        "model_label": ints([code("labels", d.model_label) for d in log]),
        "human_label": ints([code("labels", d.human_label) for d in log]),
        "confidence": np.array([d.confidence for d in log], dtype=float),
        "day": ints([day_number(d.day) for d in log]),
        "duration_ms": ints([d.duration_ms for d in log]),
        "taxonomy_version": ints([code("versions", d.taxonomy_version) for d in log]),
    }
    names = {
        "reviewers": tuple(tables["reviewers"]),
        "labels": tuple(tables["labels"]),
        "versions": tuple(tables["versions"]),
    }
    for field in dataclasses.fields(DecisionFacts):
        if field.name not in columns and field.name not in names:
            columns[field.name] = np.zeros(len(log), dtype=np.int64)
    return DecisionFacts(**columns, **names)


def random_log(seed: int, n_decisions: int = 500, n_items: int = 120) -> list[Logged]:
    """Draw a log over ten days in which many items are decided more than once.

    Each item has one suggestion (model label, confidence, taxonomy version). The human label
    equals it about 65 % of the time. Some confidences are exactly 0.5 or 1.0.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(LABELS) + 1)
    weights /= weights.sum()

    suggestions = {}
    for index in range(n_items):
        confidence = float(rng.choice([0.5, 1.0])) if index % 17 == 0 else rng.uniform(0.2, 1)
        suggestions[f"item-{index:03d}"] = (
            str(rng.choice(LABELS, p=weights)),
            float(confidence),
            "v1" if index % 3 else "v2",
        )

    item_ids = sorted(suggestions)
    days = sorted(int(day) for day in rng.integers(0, 10, n_decisions))
    log = []
    for day in days:
        item = item_ids[int(rng.integers(0, n_items))]
        model_label, confidence, version = suggestions[item]
        agrees = rng.random() < 0.65
        human_label = model_label if agrees else str(rng.choice(LABELS, p=weights))
        log.append(
            Logged(
                item=item,
                reviewer=str(rng.choice(REVIEWERS, p=[0.5, 0.3, 0.2])),
                model_label=model_label,
                human_label=human_label,
                confidence=confidence,
                day=FIRST_DAY + timedelta(days=day),
                duration_ms=int(rng.integers(800, 90_000)),
                taxonomy_version=version,
            )
        )
    return log


def select(log: Sequence[Logged], report_filter: ReportFilter) -> list[Logged]:
    """Keep the decisions a filter selects, with since and until as inclusive days."""
    f = report_filter
    return [
        d
        for d in log
        if (f.reviewer is None or d.reviewer == f.reviewer)
        and (f.since is None or d.day >= f.since)
        and (f.until is None or d.day <= f.until)
        and (f.taxonomy_version is None or d.taxonomy_version == f.taxonomy_version)
    ]


def latest_per_item(log: Sequence[Logged]) -> list[Logged]:
    latest: dict[str, Logged] = {}
    for decision in log:
        latest[decision.item] = decision
    return list(latest.values())


def assert_rate(actual: Rate, decisions: Sequence[Logged], what: str) -> None:
    """Check a Rate against the overturn share of `decisions` and statsmodels' Wilson interval."""
    total = len(decisions)
    overturned = sum(d.overturned for d in decisions)
    assert actual.total == total, what
    assert actual.successes == overturned, what
    if total == 0:
        assert actual.value is None, what
        assert actual.lower is None, what
        assert actual.upper is None, what
        return
    lower, upper = proportion_confint(overturned, total, alpha=0.05, method="wilson")
    assert actual.value == pytest.approx(overturned / total), what
    assert actual.lower == pytest.approx(lower, abs=1e-12), what
    assert actual.upper == pytest.approx(upper, abs=1e-12), what


def assert_overturn_rates(report: Report, selected: Sequence[Logged], recent: int) -> None:
    assert_rate(report.overturn, selected, "overall")

    reviewers = {d.reviewer for d in selected}
    assert set(report.overturn_by_reviewer) == reviewers
    for reviewer in reviewers:
        mine = [d for d in selected if d.reviewer == reviewer]
        assert_rate(report.overturn_by_reviewer[reviewer], mine, f"reviewer {reviewer}")

    model_labels = {d.model_label for d in selected}
    assert set(report.overturn_by_model_label) == model_labels
    for label in model_labels:
        suggested = [d for d in selected if d.model_label == label]
        assert_rate(report.overturn_by_model_label[label], suggested, f"model label {label}")

    days = sorted({d.day for d in selected})
    assert [entry.day for entry in report.overturn_by_day] == [day.isoformat() for day in days]
    for entry, day in zip(report.overturn_by_day, days, strict=True):
        assert_rate(entry.rate, [d for d in selected if d.day == day], f"day {day}")

    assert report.recent_window == recent
    assert_rate(report.overturn_recent, selected[-recent:], f"last {recent}")


def assert_classification(report: Report, selected: Sequence[Logged]) -> None:
    items = latest_per_item(selected)
    human = [d.human_label for d in items]
    model = [d.model_label for d in items]
    result = report.classification

    assert result.items == len(items)
    if not items:
        assert not result.confusion.any()
        assert result.accuracy is None
        assert result.macro_f1 is None
        assert result.per_class == {}
        return

    np.testing.assert_array_equal(
        result.confusion, sklearn_confusion_matrix(human, model, labels=list(report.labels))
    )
    present = sorted(set(human) | set(model))
    precision, recall, f1, support = precision_recall_fscore_support(
        human, model, labels=present, zero_division=0
    )
    predicted = Counter(model)
    assert result.accuracy == pytest.approx(accuracy_score(human, model))
    assert result.macro_f1 == pytest.approx(f1_score(human, model, average="macro"))
    assert result.micro_f1 == pytest.approx(f1_score(human, model, average="micro"))
    assert set(result.per_class) == set(present)
    for position, label in enumerate(present):
        scores = result.per_class[label]
        assert scores.precision == pytest.approx(precision[position]), label
        assert scores.recall == pytest.approx(recall[position]), label
        assert scores.f1 == pytest.approx(f1[position]), label
        assert scores.support == support[position], label
        assert scores.predicted == predicted[label], label
    assert pairs_of(result) == expected_confused_pairs(human, model)


def assert_item_calibration(report: Report, selected: Sequence[Logged], bins: int) -> None:
    items = latest_per_item(selected)
    confidence = [d.confidence for d in items]
    agreed = [not d.overturned for d in items]

    assert_calibration(report.calibration, reference_calibration(confidence, agreed, bins))


def assert_histogram(report: Report, selected: Sequence[Logged], bins: int) -> None:
    accepted = [0] * bins
    overturned = [0] * bins
    for d in latest_per_item(selected):
        counts = overturned if d.overturned else accepted
        counts[reference_bin(d.confidence, bins)] += 1

    assert report.histogram.edges == pytest.approx([k / bins for k in range(bins + 1)])
    assert report.histogram.accepted == accepted
    assert report.histogram.overturned == overturned


def assert_pace(report: Report, selected: Sequence[Logged]) -> None:
    reviewers = {d.reviewer for d in selected}
    assert set(report.pace) == reviewers
    for reviewer in reviewers:
        durations = [d.duration_ms for d in selected if d.reviewer == reviewer]
        pace = report.pace[reviewer]
        assert pace.decisions == len(durations), reviewer
        if sum(durations) == 0:
            assert pace.decisions_per_hour is None, reviewer
        else:
            expected = len(durations) / (sum(durations) / 3.6e6)
            assert pace.decisions_per_hour == pytest.approx(expected), reviewer
        assert pace.median_ms == pytest.approx(float(np.median(durations))), reviewer


def assert_report_matches_log(
    report: Report,
    selected: Sequence[Logged],
    *,
    bins: int = 10,
    histogram_bins: int = 20,
    recent: int = 100,
) -> None:
    """Check every figure of the report against the selected decisions, oldest first."""
    assert report.decisions == len(selected)
    assert report.reviewed_items == len({d.item for d in selected})
    assert_overturn_rates(report, selected, recent)
    assert_classification(report, selected)
    assert_item_calibration(report, selected, bins)
    assert_histogram(report, selected, histogram_bins)
    assert_pace(report, selected)


LOG_FILTERS = {
    "all": ReportFilter(),
    "reviewer": ReportFilter(reviewer="ana"),
    "reviewer-accented": ReportFilter(reviewer="chloé"),
    "since": ReportFilter(since=FIRST_DAY + timedelta(days=4)),
    "until": ReportFilter(until=FIRST_DAY + timedelta(days=3)),
    "one-day": ReportFilter(
        since=FIRST_DAY + timedelta(days=2), until=FIRST_DAY + timedelta(days=2)
    ),
    "version": ReportFilter(taxonomy_version="v2"),
    "combined": ReportFilter(
        reviewer="ben", since=FIRST_DAY + timedelta(days=1), taxonomy_version="v1"
    ),
    "unknown-reviewer": ReportFilter(reviewer="nobody"),
    "unknown-version": ReportFilter(taxonomy_version="v9"),
    "after-last-day": ReportFilter(since=FIRST_DAY + timedelta(days=10)),
    "since-after-until": ReportFilter(
        since=FIRST_DAY + timedelta(days=5), until=FIRST_DAY + timedelta(days=4)
    ),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(LOG_FILTERS))
def test_report_matches_log(seed, name):
    log = random_log(seed)
    report_filter = LOG_FILTERS[name]

    report = build_report(facts_from_log(log), report_filter)

    selected = select(log, report_filter)
    assert_report_matches_log(report, selected)
    assert report.filter == report_filter


def test_log_filters_select_something():
    """Each filter above that is meant to select decisions does, so its checks have data."""
    log = random_log(0)
    empty = {"unknown-reviewer", "unknown-version", "after-last-day", "since-after-until"}

    for name, report_filter in LOG_FILTERS.items():
        selected = select(log, report_filter)
        if name in empty:
            assert selected == [], name
        elif name != "all":
            assert 0 < len(selected) < len(log), name
    assert len(latest_per_item(log)) < len(log)


@pytest.mark.parametrize("recent", [1, 7, 100, 499, 500, 10_000])
def test_report_recent_window(recent):
    log = random_log(4)

    report = build_report(facts_from_log(log), recent=recent)

    assert_rate(report.overturn_recent, log[-recent:], f"last {recent}")
    assert report.recent_window == recent


@pytest.mark.parametrize(("bins", "histogram_bins"), [(5, 10), (15, 7), (20, 40)])
def test_report_bin_counts(bins, histogram_bins):
    log = random_log(5)

    report = build_report(facts_from_log(log), bins=bins, histogram_bins=histogram_bins)

    assert_item_calibration(report, log, bins)
    assert_histogram(report, log, histogram_bins)


def test_histogram_bin_of_exact_value_with_100_bins():
    log = [
        Logged("a", "ana", "billing", "billing", 0.29, FIRST_DAY, 1000, "v1"),
        Logged("b", "ana", "billing", "account", 0.57, FIRST_DAY, 1000, "v1"),
    ]

    report = build_report(facts_from_log(log), histogram_bins=100)

    assert report.histogram.accepted[29] == 1
    assert report.histogram.overturned[57] == 1


def test_report_latest_decision_sets_item_label():
    log = [
        Logged("a", "ana", "billing", "billing", 0.7, FIRST_DAY, 1000, "v1"),
        Logged("b", "ana", "account", "account", 0.9, FIRST_DAY, 1000, "v1"),
        Logged("a", "ben", "billing", "technical", 0.7, FIRST_DAY, 3000, "v1"),
    ]

    report = build_report(facts_from_log(log))

    assert report.decisions == 3
    assert report.reviewed_items == 2
    assert report.overturn.successes == 1
    assert report.overturn_by_reviewer["ana"].value == 0.0
    assert report.overturn_by_reviewer["ben"].value == 1.0
    assert report.classification.per_class["technical"].support == 1
    assert report.classification.per_class["billing"].support == 0
    assert report.classification.per_class["billing"].predicted == 1
    assert report.classification.accuracy == 0.5
    assert report.calibration.items == 2


def test_report_without_decisions():
    report = build_report(DecisionFacts.empty(labels=("billing", "technical")))

    assert report.decisions == 0
    assert report.reviewed_items == 0
    assert report.overturn.value is None
    assert report.overturn_by_reviewer == {}
    assert report.overturn_by_model_label == {}
    assert report.overturn_by_day == []
    assert report.overturn_recent.value is None
    assert report.classification.accuracy is None
    assert report.classification.per_class == {}
    assert report.calibration.items == 0
    assert report.calibration.ece is None
    assert report.histogram.accepted == [0] * 20
    assert report.histogram.overturned == [0] * 20
    assert report.pace == {}
    assert json.loads(json.dumps(report.as_dict()))["overturn_rate"] is None


def test_report_without_labels_or_decisions():
    report = build_report(DecisionFacts.empty())

    assert report.decisions == 0
    assert report.classification.confusion.shape == (0, 0)
    assert report.as_dict()["per_class"] == {}


def test_report_one_class():
    log = [
        Logged(f"item-{index}", "ana", "billing", "billing", 0.8, FIRST_DAY, 2000, "v1")
        for index in range(5)
    ]

    report = build_report(facts_from_log(log))

    assert_report_matches_log(report, log)
    assert report.overturn.value == 0.0
    assert report.overturn.lower == 0.0
    assert report.classification.accuracy == 1.0
    assert report.classification.macro_f1 == 1.0
    assert list(report.classification.per_class) == ["billing"]
    assert report.classification.confused_pairs == []
    assert report.calibration.ece == pytest.approx(0.2)
    assert report.calibration.brier == pytest.approx(0.04)


def test_report_pace_without_time():
    log = [
        Logged("a", "ana", "billing", "billing", 0.8, FIRST_DAY, 0, "v1"),
        Logged("b", "ana", "billing", "account", 0.6, FIRST_DAY, 0, "v1"),
        Logged("c", "ben", "billing", "account", 0.6, FIRST_DAY, 1_800_000, "v1"),
    ]

    report = build_report(facts_from_log(log))

    assert report.pace["ana"].decisions == 2
    assert report.pace["ana"].decisions_per_hour is None
    assert report.pace["ana"].median_ms == 0.0
    assert report.pace["ben"].decisions_per_hour == pytest.approx(2.0)
    assert report.pace["ben"].median_ms == 1_800_000.0


def test_report_as_dict_mirrors_report():
    log = random_log(6)
    report = build_report(facts_from_log(log))

    data = json.loads(json.dumps(report.as_dict()))

    assert data["decisions"] == report.decisions
    assert data["reviewed_items"] == report.reviewed_items
    assert data["overturn_rate"] == report.overturn.value
    assert data["overturn_interval"] == [report.overturn.lower, report.overturn.upper]
    assert data["overturn"]["overall"]["count"] == report.overturn.successes
    assert data["overturn"]["recent"]["window"] == 100
    assert data["accuracy"] == report.classification.accuracy
    assert data["macro_f1"] == report.classification.macro_f1
    assert data["calibration"]["ece"] == report.calibration.ece
    assert data["calibration"]["brier"] == report.calibration.brier
    assert len(data["calibration"]["bins"]) == 10
    assert len(data["confidence_histogram"]["edges"]) == 21
    assert set(data["pace"]) == set(REVIEWERS)
    assert data["filter"] == {
        "reviewer": None, "since": None, "until": None, "taxonomy_version": None,
    }  # fmt: skip


def reference_rolling(log: Sequence[Logged], window: int) -> dict[int, float]:
    """Map each decision number (from 1) to the overturn share of the window ending there."""
    flags = [d.overturned for d in log]
    if not flags:
        return {}
    width = min(window, len(flags))
    return {end: sum(flags[end - width : end]) / width for end in range(width, len(flags) + 1)}


@pytest.mark.parametrize(
    ("n_decisions", "window"),
    [(0, 100), (1, 100), (50, 100), (450, 50), (500, 1), (500, 500), (3000, 100), (3000, 7)],
)
def test_report_rolling_overturn_rate(n_decisions, window):
    log = random_log(7, n_decisions=n_decisions)

    report = build_report(facts_from_log(log), recent=window)

    expected = reference_rolling(log, window)
    ends = [end for end, _ in report.overturn_rolling]
    if not log:
        assert report.overturn_rolling == []
        return
    assert ends[0] == min(window, n_decisions)
    assert ends[-1] == n_decisions
    assert ends == sorted(set(ends))
    assert len(ends) == min(len(expected), 400)
    for end, value in report.overturn_rolling:
        assert value == pytest.approx(expected[end]), f"decision {end}"


def test_report_rolling_counts_filtered_decisions():
    log = random_log(8)
    report_filter = ReportFilter(reviewer="ben")

    report = build_report(facts_from_log(log), report_filter, recent=20)

    expected = reference_rolling(select(log, report_filter), 20)
    assert dict(report.overturn_rolling) == pytest.approx(expected)


def reference_ratings(selected: Sequence[Logged]) -> list[dict[str, str]]:
    """Return {reviewer: latest label} for each item that two or more reviewers labelled."""
    ratings: dict[str, dict[str, str]] = {}
    for d in selected:
        ratings.setdefault(d.item, {})[d.reviewer] = d.human_label
    return [by for by in ratings.values() if len(by) >= 2]


@pytest.mark.parametrize("name", ["all", "since", "version", "reviewer", "unknown-reviewer"])
def test_report_agreement_uses_latest_label_per_reviewer(name):
    log = random_log(9)
    report_filter = LOG_FILTERS[name]

    result = build_report(facts_from_log(log), report_filter).agreement

    ratings = reference_ratings(select(log, report_filter))
    assert result.items == len(ratings)
    assert result.ratings == sum(len(by) for by in ratings)
    if not ratings:
        assert result.percent is None
        assert result.pairs == []
        assert result.fleiss_kappa is None
        return

    shares = []
    for by in ratings:
        labels_given = list(by.values())
        pairs = list(itertools.combinations(labels_given, 2))
        shares.append(sum(x == y for x, y in pairs) / len(pairs))
    assert result.percent == pytest.approx(np.mean(shares))

    reviewers = sorted({reviewer for by in ratings for reviewer in by})
    expected_pairs = []
    for a, b in itertools.combinations(reviewers, 2):
        shared = [(by[a], by[b]) for by in ratings if a in by and b in by]
        if shared:
            expected_pairs.append((a, b, shared))
    assert [(p.a, p.b, p.n) for p in result.pairs] == [
        (a, b, len(shared)) for a, b, shared in expected_pairs
    ]
    for pair, (_, _, shared) in zip(result.pairs, expected_pairs, strict=True):
        first = [x for x, _ in shared]
        second = [y for _, y in shared]
        assert pair.percent == pytest.approx(np.mean([x == y for x, y in shared]))
        assert pair.cohen_kappa == pytest.approx(cohen_kappa_score(first, second))

    counts = Counter(len(by) for by in ratings)
    modal_count = max(counts.values())
    raters = max(number for number, count in counts.items() if count == modal_count)
    table = np.array(
        [
            [list(by.values()).count(label) for label in LABELS]
            for by in ratings
            if len(by) == raters
        ]
    )
    assert result.fleiss_raters == raters
    assert result.fleiss_items == len(table)
    assert result.fleiss_kappa == pytest.approx(statsmodels_fleiss_kappa(table, method="fleiss"))


# build_report on a real store


def taxonomy(version: str, names: Sequence[str]) -> Taxonomy:
    return Taxonomy(version=version, labels=tuple(Label(name) for name in names))


TAXONOMY_V1 = taxonomy("support-v1", ("billing", "technical", "account", "shipping"))
TAXONOMY_V2 = taxonomy("support-v2", ("billing", "technical", "account", "shipping", "refund"))

# (item id, suggested label, confidence, taxonomy version)
STORE_ITEMS = [
    ("s01", "billing", 0.42, "support-v1"),
    ("s02", "technical", 0.55, "support-v1"),
    ("s03", "account", 0.93, "support-v1"),
    ("s04", "shipping", 0.61, "support-v1"),
    ("s05", "technical", 0.35, "support-v1"),
    ("s06", "billing", 0.77, "support-v1"),
    ("s07", "account", 0.48, "support-v1"),
    ("s08", "shipping", 0.86, "support-v1"),
    ("s09", "billing", 1.0, "support-v1"),
    ("s10", "technical", 0.66, "support-v1"),
    ("n01", "refund", 0.71, "support-v2"),
    ("n02", "billing", 0.52, "support-v2"),
    ("n03", "refund", 0.97, "support-v2"),
]


def new_item(item_id: str, label: str, confidence: float, version: str) -> NewItem:
    other = "account" if label != "account" else "billing"
    return NewItem(
        id=item_id,
        text=f"Message {item_id}",
        suggestion=Suggestion(
            label=label,
            distribution={label: confidence, other: round(1 - confidence, 9)},
            taxonomy_version=version,
        ),
    )


class ReviewLog:
    """Log decisions into a store and keep, independently of it, which ones are in force."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Each event with the taxonomy version of the suggestion it was made on.
        self.events: list[tuple[Decision, str]] = []
        self.retracted: set[int] = set()
        self._items: dict[str, ReviewItem] = {}

    def _item(self, item_id: str) -> ReviewItem:
        if item_id not in self._items:
            self._items[item_id] = self.store.review_item(item_id)
        return self._items[item_id]

    def _log(self, item_id: str, reviewer: str, action: Action, **fields: object) -> None:
        item = self._item(item_id)
        decision = self.store.add_decision(item=item, reviewer=reviewer, action=action, **fields)
        self.events.append((decision, item.suggestion.taxonomy_version))

    def decide(self, item_id: str, reviewer: str, label: str | None = None, ms: int = 0) -> None:
        """Accept the suggestion when `label` is None, else overturn it to `label`."""
        action = Action.ACCEPT if label is None else Action.OVERTURN
        self._log(item_id, reviewer, action, label=label, duration_ms=ms)

    def skip(self, item_id: str, reviewer: str) -> None:
        self._log(item_id, reviewer, Action.SKIP)

    def undo(self, reviewer: str) -> None:
        """Retract the reviewer's newest decision in force, skips included."""
        expected = next(
            event
            for event, _ in reversed(self.events)
            if event.reviewer == reviewer and event.id not in self.retracted
        )
        retracted = self.store.retract_last(reviewer=reviewer)
        assert retracted is not None
        assert retracted.id == expected.id
        self.retracted.add(retracted.id)

    def effective(self) -> list[Logged]:
        """Return the accepts and overturns in force, oldest first."""
        return [
            Logged(
                item=event.item_id,
                reviewer=event.reviewer,
                model_label=event.model_label,
                human_label=event.label,
                confidence=event.model_confidence,
                day=date.fromisoformat(event.decided_at[:10]),
                duration_ms=event.duration_ms,
                taxonomy_version=version,
            )
            for event, version in self.events
            if event.id not in self.retracted and event.action in (Action.ACCEPT, Action.OVERTURN)
        ]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "store.db") as opened:
        opened.add_taxonomy(TAXONOMY_V1)
        opened.add_taxonomy(TAXONOMY_V2)
        opened.add_items(new_item(*entry) for entry in STORE_ITEMS)
        yield opened


@pytest.fixture
def reviewed(store: Store) -> ReviewLog:
    """The store after three reviewers decided, skipped and undid decisions."""
    log = ReviewLog(store)
    log.decide("s01", "ana", ms=4_000)
    log.decide("s02", "ana", "account", ms=12_500)
    log.decide("s03", "ana", ms=2_100)
    log.skip("s04", "ana")
    log.decide("s05", "ana", "billing", ms=9_000)
    log.decide("s06", "ana", ms=3_300)
    log.decide("s07", "ana", "shipping", ms=20_000)
    log.undo("ana")  # the overturn of s07
    log.decide("s01", "ben", "technical", ms=15_000)  # later than ana's accept of s01
    log.decide("s04", "ben", ms=5_000)
    log.decide("s08", "ben", "billing", ms=7_700)
    log.decide("s09", "ben", ms=1_200)
    log.decide("s10", "ben", ms=2_000)
    log.undo("ben")  # the accept of s10
    log.undo("ben")  # the accept of s09
    log.decide("n01", "chloé", ms=6_000)
    log.decide("n02", "chloé", "refund", ms=8_000)
    log.decide("n03", "chloé", "billing", ms=11_000)
    log.skip("s10", "chloé")
    log.decide("s03", "ana", "technical", ms=30_000)  # ana changes her mind on s03
    log.decide("s06", "chloé", "account", ms=4_400)
    return log


def test_store_report_matches_review_log(reviewed):
    facts = load_decision_facts(reviewed.store)

    report = build_report(facts)

    expected = reviewed.effective()
    assert len(expected) == 13
    assert facts.labels == tuple(TAXONOMY_V2.names)
    assert_report_matches_log(report, expected)


def test_store_report_filters(reviewed):
    facts = load_decision_facts(reviewed.store)
    expected = reviewed.effective()
    # Decisions carry the clock's UTC day, so a run across midnight may span two days.
    first_day = min(d.day for d in expected)
    last_day = max(d.day for d in expected)
    filters = [
        ReportFilter(reviewer="ana"),
        ReportFilter(reviewer="chloé"),
        ReportFilter(reviewer="nobody"),
        ReportFilter(taxonomy_version="support-v2"),
        ReportFilter(taxonomy_version="support-v1", reviewer="ben"),
        ReportFilter(since=first_day),
        ReportFilter(until=last_day),
        ReportFilter(since=first_day, until=last_day),
        ReportFilter(since=last_day + timedelta(days=1)),
        ReportFilter(until=first_day - timedelta(days=1)),
    ]

    for report_filter in filters:
        report = build_report(facts, report_filter)

        assert_report_matches_log(report, select(expected, report_filter))


def test_store_filter_counts(reviewed):
    facts = load_decision_facts(reviewed.store)
    today = min(d.day for d in reviewed.effective())

    assert build_report(facts, ReportFilter(reviewer="ana")).decisions == 6
    assert build_report(facts, ReportFilter(reviewer="nobody")).decisions == 0
    assert build_report(facts, ReportFilter(taxonomy_version="support-v2")).decisions == 3
    assert build_report(facts, ReportFilter(since=today + timedelta(days=1))).decisions == 0
    assert build_report(facts, ReportFilter(until=today - timedelta(days=1))).decisions == 0


def test_store_later_reviewer_sets_label(store):
    log = ReviewLog(store)
    log.decide("s01", "ana", ms=1_000)  # accepts billing
    log.decide("s01", "ben", "technical", ms=2_000)

    report = build_report(load_decision_facts(store))

    assert report.decisions == 2
    assert report.reviewed_items == 1
    assert report.overturn_by_reviewer["ana"].value == 0.0
    assert report.overturn_by_reviewer["ben"].value == 1.0
    assert set(report.classification.per_class) == {"billing", "technical"}
    assert report.classification.per_class["technical"].support == 1
    assert report.classification.per_class["billing"].support == 0
    assert report.classification.per_class["billing"].predicted == 1
    assert report.calibration.bins[4].accuracy == 0.0


def test_store_retract_restores_earlier_label(store):
    log = ReviewLog(store)
    log.decide("s01", "ana", ms=1_000)
    log.decide("s01", "ben", "technical", ms=2_000)
    log.undo("ben")

    report = build_report(load_decision_facts(store))

    assert report.decisions == 1
    assert report.overturn.value == 0.0
    assert set(report.classification.per_class) == {"billing"}
    assert report.classification.per_class["billing"].support == 1
    assert report.calibration.bins[4].accuracy == 1.0
    assert_report_matches_log(report, log.effective())


def test_store_adjudication_sets_label_not_rating(store):
    log = ReviewLog(store)
    log.decide("s01", "ana", ms=1_000)  # accepts billing
    log.decide("s01", "ben", "technical", ms=2_000)
    item = store.review_item("s01")
    store.add_decision(
        item=item, reviewer="lee", action=Action.OVERTURN, label="account", adjudication=True
    )

    report = build_report(load_decision_facts(store))

    assert report.decisions == 3
    assert report.reviewed_items == 1
    assert report.overturn_by_reviewer["lee"].value == 1.0
    assert report.classification.per_class["account"].support == 1
    assert report.classification.per_class["billing"].predicted == 1
    assert report.agreement.items == 1
    assert report.agreement.ratings == 2
    assert [(pair.a, pair.b) for pair in report.agreement.pairs] == [("ana", "ben")]
    assert report.agreement.percent == 0.0


def test_store_all_retracted_is_empty(store):
    log = ReviewLog(store)
    log.decide("s01", "ana", ms=1_000)
    log.decide("s02", "ana", "billing", ms=1_000)
    log.skip("s03", "ana")
    log.decide("n01", "ben", ms=1_000)
    log.undo("ana")
    log.undo("ana")
    log.undo("ana")
    log.undo("ben")

    report = build_report(load_decision_facts(store))

    assert report.decisions == 0
    assert report.reviewed_items == 0
    assert report.overturn.value is None
    assert report.classification.per_class == {}
    assert report.calibration.items == 0
    assert report.pace == {}


def test_store_skips_are_not_decisions(store):
    log = ReviewLog(store)
    log.skip("s01", "ana")
    log.skip("s02", "ben")

    report = build_report(load_decision_facts(store))

    assert report.decisions == 0
    assert report.overturn_by_reviewer == {}


def test_store_without_decisions(store):
    facts = load_decision_facts(store)

    report = build_report(facts)

    assert len(facts) == 0
    assert facts.labels == tuple(TAXONOMY_V2.names)
    assert report.decisions == 0
    assert report.calibration.ece is None


CACHE_LABELS = ("billing", "technical", "account", "shipping")


def test_store_report_through_facts_cache(tmp_path):
    """A read caches a block of at least CACHE_BLOCK_MIN decisions. Later reads combine it
    with newer decisions and new names, and apply retractions of decisions inside it."""
    rng = np.random.default_rng(12)
    with Store(tmp_path / "large.db") as store:
        store.add_taxonomy(taxonomy("support-v1", CACHE_LABELS))
        items = []
        for index in range(400):
            label = CACHE_LABELS[index % 4]
            confidence = float(rng.uniform(0.3, 1.0))
            items.append(new_item(f"b{index:03d}", label, confidence, "support-v1"))
        store.add_items(items)
        log = ReviewLog(store)
        with store.transaction():
            # About 94 % of these are accepts and overturns, enough for one cached block.
            for number in range(CACHE_BLOCK_MIN * 11 // 10):
                item_id = f"b{int(rng.integers(0, 400)):03d}"
                reviewer = REVIEWERS[int(rng.integers(0, 3))]
                roll = rng.random()
                if roll < 0.02:
                    log.skip(item_id, reviewer)
                elif roll < 0.04 and number > 100:
                    log.undo(reviewer)
                elif roll < 0.7:
                    log.decide(item_id, reviewer, ms=int(rng.integers(500, 60_000)))
                else:
                    suggested = CACHE_LABELS[int(item_id[1:]) % 4]
                    other = [label for label in CACHE_LABELS if label != suggested]
                    label = other[int(rng.integers(0, 3))]
                    log.decide(item_id, reviewer, label, ms=int(rng.integers(500, 60_000)))
            # The block's last decision stays in force, so reading it twice would show.
            log.decide("b000", "eve", "technical", ms=1_000)

        first = build_report(load_decision_facts(store))
        cached_blocks = store.conn.execute("SELECT count(*) FROM facts_cache").fetchone()[0]

        # A new taxonomy with a new label, a new reviewer, and undos that reach into the block.
        store.add_taxonomy(taxonomy("support-v2", (*CACHE_LABELS, "refund")))
        store.add_items(new_item(f"n{index}", "refund", 0.64, "support-v2") for index in range(5))
        before_new = log.effective()
        for index in range(5):
            log.decide(f"n{index}", "dana", None if index % 2 else "billing", ms=3_000)
        for _ in range(3):
            log.undo("ben")
        second_facts = load_decision_facts(store)
        second = build_report(second_facts)

    with Store(tmp_path / "large.db") as reopened:
        third = build_report(load_decision_facts(reopened))

    assert cached_blocks == 1
    assert_report_matches_log(first, before_new)
    assert second_facts.labels == (*CACHE_LABELS, "refund")
    assert_report_matches_log(second, log.effective())
    assert_report_matches_log(third, log.effective())
    assert set(second.pace) == {*REVIEWERS, "dana", "eve"}
