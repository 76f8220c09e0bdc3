"""The model's per-class precision, recall and F1 against the human labels, and its confusions.

Both are computed from a table of counts of (human label, model label) pairs, one pair per
reviewed item, so a million decisions cost no more than the number of distinct pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass(frozen=True)
class ConfusedPair:
    human: str
    model: str
    count: int


@dataclass(frozen=True)
class ClassificationReport:
    """Scores of the model against human labels over `items` reviewed items.

    `confusion[i, j]` counts items whose human label is labels[i] and model label labels[j].
    Precision of a class the model never predicted, and recall of a class with no support,
    are 0.0, as scikit-learn's zero_division=0.0 defines them; macro F1 averages over the
    classes that have support or were predicted, so unused labels of a large taxonomy do not
    drag it down.
    """

    labels: tuple[str, ...]
    items: int
    accuracy: float | None
    macro_f1: float | None
    micro_f1: float | None
    per_class: dict[str, ClassScores]
    confusion: np.ndarray
    confused_pairs: list[ConfusedPair]


def classification_report(
    pair_counts: Mapping[tuple[str, str], int], labels: Sequence[str]
) -> ClassificationReport:
    """Score the model from counts of (human label, model label) pairs.

    `labels` fixes the order of classes; pairs naming a label outside it are added at the end,
    so a label retired from the taxonomy still counts.
    """
    ordered = list(dict.fromkeys(labels))
    for human, model in pair_counts:
        for name in (human, model):
            if name not in ordered:
                ordered.append(name)
    index = {name: position for position, name in enumerate(ordered)}

    confusion = np.zeros((len(ordered), len(ordered)), dtype=np.int64)
    for (human, model), count in pair_counts.items():
        confusion[index[human], index[model]] += count
    total = int(confusion.sum())

    if total == 0:
        return ClassificationReport(
            labels=tuple(ordered),
            items=0,
            accuracy=None,
            macro_f1=None,
            micro_f1=None,
            per_class={},
            confusion=confusion,
            confused_pairs=[],
        )

    true_idx, pred_idx = np.nonzero(confusion)
    weights = confusion[true_idx, pred_idx]
    all_classes = list(range(len(ordered)))
    precision, recall, f1, _ = precision_recall_fscore_support(
        true_idx,
        pred_idx,
        labels=all_classes,
        sample_weight=weights,
        zero_division=0.0,
    )
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)

    active = [i for i in all_classes if support[i] > 0 or predicted[i] > 0]
    _, _, macro, _ = precision_recall_fscore_support(
        true_idx, pred_idx, labels=active, sample_weight=weights, average="macro", zero_division=0.0
    )
    _, _, micro, _ = precision_recall_fscore_support(
        true_idx, pred_idx, labels=active, sample_weight=weights, average="micro", zero_division=0.0
    )

    per_class = {
        ordered[i]: ClassScores(
            precision=float(precision[i]),
            recall=float(recall[i]),
            f1=float(f1[i]),
            support=int(support[i]),
            predicted=int(predicted[i]),
        )
        for i in active
    }
    return ClassificationReport(
        labels=tuple(ordered),
        items=total,
        accuracy=float(np.trace(confusion) / total),
        macro_f1=float(macro),
        micro_f1=float(micro),
        per_class=per_class,
        confusion=confusion,
        confused_pairs=confused_pairs(confusion, ordered),
    )


def confused_pairs(confusion: np.ndarray, labels: Sequence[str]) -> list[ConfusedPair]:
    """Return the off-diagonal cells with a count, largest first, ties by label names."""
    pairs = [
        ConfusedPair(human=labels[i], model=labels[j], count=int(confusion[i, j]))
        for i, j in zip(*np.nonzero(confusion), strict=True)
        if i != j
    ]
    return sorted(pairs, key=lambda pair: (-pair.count, pair.human, pair.model))
