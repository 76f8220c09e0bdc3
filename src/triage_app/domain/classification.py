"""The model's per-class precision, recall and F1 against the human labels, and its confusions.

Both are computed from the confusion matrix of reviewed items, so a million decisions cost no
more than the number of label pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    are 0.0, as scikit-learn's zero_division=0.0 defines them. Macro F1 averages over the
    classes that have support or were predicted, as scikit-learn does without `labels=`, so
    labels of a large taxonomy that no reviewed item uses do not drag it down.
    """

    labels: tuple[str, ...]
    items: int
    accuracy: float | None
    macro_f1: float | None
    micro_f1: float | None
    per_class: dict[str, ClassScores]
    confusion: np.ndarray
    confused_pairs: list[ConfusedPair]


def confusion_matrix(human: np.ndarray, model: np.ndarray, size: int) -> np.ndarray:
    """Count items per (human label, model label) pair, both given as label indices."""
    flat = np.bincount(np.asarray(human) * size + np.asarray(model), minlength=size * size)
    return flat.reshape(size, size).astype(np.int64)


def classification_report(confusion: np.ndarray, labels: Sequence[str]) -> ClassificationReport:
    """Score the model from a confusion matrix of human (rows) against model (columns) labels."""
    ordered = tuple(labels)
    total = int(confusion.sum())
    if total == 0:
        return ClassificationReport(
            labels=ordered,
            items=0,
            accuracy=None,
            macro_f1=None,
            micro_f1=None,
            per_class={},
            confusion=confusion,
            confused_pairs=[],
        )

    # scikit-learn takes one row per sample; a weighted row per non-empty cell is the same.
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
    averages = {}
    for average in ("macro", "micro"):
        _, _, score, _ = precision_recall_fscore_support(
            true_idx,
            pred_idx,
            labels=active,
            sample_weight=weights,
            average=average,
            zero_division=0.0,
        )
        averages[average] = float(score)

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
        labels=ordered,
        items=total,
        accuracy=float(np.trace(confusion) / total),
        macro_f1=averages["macro"],
        micro_f1=averages["micro"],
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
