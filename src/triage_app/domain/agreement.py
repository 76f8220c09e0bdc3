"""Agreement between reviewers who labelled the same items.

`ratings` maps each item to the label each reviewer gave it: {item: {reviewer: label}}.
Items with fewer than two ratings carry no information on agreement and are left out.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

Ratings = Mapping[str, Mapping[str, str]]

BOOTSTRAP_SAMPLES = 200
BOOTSTRAP_SEED = 20261204


@dataclass(frozen=True)
class PairAgreement:
    """Two reviewers over the `n` items both labelled."""

    a: str
    b: str
    n: int
    percent: float | None
    cohen_kappa: float | None


@dataclass(frozen=True)
class LabelAgreement:
    """How often a rating of `label` was matched by the other reviewers of the same item."""

    label: str
    ratings: int
    specific_agreement: float | None


@dataclass(frozen=True)
class LabelPair:
    """Two labels that reviewers gave the same item, and on how many reviewer pairs."""

    first: str
    second: str
    count: int


# Below this share of agreeing reviewer pairs, the taxonomy, not the model, needs work first.
LOW_AGREEMENT = 0.8


@dataclass(frozen=True)
class Agreement:
    items: int
    ratings: int
    percent: float | None
    pairs: list[PairAgreement]
    fleiss_kappa: float | None
    fleiss_items: int
    fleiss_raters: int | None
    krippendorff_alpha: float | None
    gwet_ac1: float | None
    per_label: list[LabelAgreement]
    fleiss_kappa_interval: tuple[float, float] | None
    krippendorff_alpha_interval: tuple[float, float] | None
    disagreement_pairs: list[LabelPair]

    @property
    def low(self) -> bool:
        """Whether reviewers agree on less than LOW_AGREEMENT of their shared items."""
        return self.percent is not None and self.percent < LOW_AGREEMENT

    def as_dict(self) -> dict[str, object]:
        """Return the figures as JSON-ready values; `docs/metrics.md` defines every key."""
        return {
            "items": self.items,
            "ratings": self.ratings,
            "percent": self.percent,
            "pairs": [
                {"a": p.a, "b": p.b, "n": p.n, "percent": p.percent, "cohen_kappa": p.cohen_kappa}
                for p in self.pairs
            ],
            "fleiss_kappa": self.fleiss_kappa,
            "fleiss_kappa_interval": _listed(self.fleiss_kappa_interval),
            "fleiss_items": self.fleiss_items,
            "fleiss_raters": self.fleiss_raters,
            "krippendorff_alpha": self.krippendorff_alpha,
            "krippendorff_alpha_interval": _listed(self.krippendorff_alpha_interval),
            "gwet_ac1": self.gwet_ac1,
            "per_label": [
                {"label": e.label, "ratings": e.ratings, "specific_agreement": e.specific_agreement}
                for e in self.per_label
            ],
            "disagreement_pairs": [
                {"labels": [p.first, p.second], "count": p.count} for p in self.disagreement_pairs
            ],
        }


def _listed(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [interval[0], interval[1]]


def count_table(ratings: Ratings, labels: Sequence[str]) -> np.ndarray:
    """Return items x labels counts of ratings, for items with at least two ratings."""
    index = {label: position for position, label in enumerate(labels)}
    rows = []
    for by_reviewer in ratings.values():
        if len(by_reviewer) < 2:
            continue
        row = np.zeros(len(labels), dtype=np.int64)
        for label in by_reviewer.values():
            row[index[label]] += 1
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(len(rows), len(labels))


def observed_agreement(table: np.ndarray) -> float | None:
    """Mean over items of the share of rater pairs that agree (Fleiss' P-bar).

    Items may have different numbers of ratings; each needs at least two.
    """
    if len(table) == 0:
        return None
    raters = table.sum(axis=1)
    per_item = (table * (table - 1)).sum(axis=1) / (raters * (raters - 1))
    return float(per_item.mean())


def fleiss_kappa(table: np.ndarray) -> float | None:
    """Fleiss' kappa of a count table whose rows all have the same number of ratings.

    kappa = (P - Pe) / (1 - Pe), where P is the mean observed agreement and Pe the sum of
    squared overall label shares. None when undefined: no items, or every rating is one label.
    """
    if len(table) == 0:
        return None
    raters = table.sum(axis=1)
    if np.any(raters != raters[0]) or raters[0] < 2:
        raise ValueError("Fleiss' kappa needs the same number (two or more) of ratings per item")
    shares = table.sum(axis=0) / table.sum()
    expected = float((shares**2).sum())
    if math.isclose(expected, 1.0):
        return None
    observed = observed_agreement(table)
    return (observed - expected) / (1 - expected)


def gwet_ac1(table: np.ndarray, categories: int) -> float | None:
    """Gwet's AC1 for any number of raters per item (Gwet, 2008).

    AC1 = (Pa - Pe) / (1 - Pe) with Pa the mean observed agreement and
    Pe = 1/(q - 1) * sum_k pi_k (1 - pi_k), pi_k the mean share of item ratings in label k and
    q the number of labels. Unlike kappa it stays high when one label dominates and reviewers
    agree on it.
    """
    if len(table) == 0 or categories < 2:
        return None
    raters = table.sum(axis=1, keepdims=True)
    pi = (table / raters).mean(axis=0)
    expected = float((pi * (1 - pi)).sum() / (categories - 1))
    observed = observed_agreement(table)
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(ratings: Ratings, labels: Sequence[str]) -> float | None:
    """Krippendorff's alpha for nominal labels, with missing ratings allowed."""
    reviewers = sorted({reviewer for by in ratings.values() for reviewer in by})
    items = [item for item, by in ratings.items() if len(by) >= 2]
    if len(items) == 0:
        return None
    index = {label: position for position, label in enumerate(labels)}
    matrix = np.full((len(reviewers), len(items)), np.nan)
    row_of = {reviewer: row for row, reviewer in enumerate(reviewers)}
    for column, item in enumerate(items):
        for reviewer, label in ratings[item].items():
            matrix[row_of[reviewer], column] = index[label]
    return _alpha(matrix, len(labels))


def _alpha(matrix: np.ndarray, categories: int) -> float | None:
    values = matrix[~np.isnan(matrix)]
    if len(np.unique(values)) < 2:
        return None
    return float(
        krippendorff.alpha(
            reliability_data=matrix,
            level_of_measurement="nominal",
            value_domain=list(range(categories)),
        )
    )


def pair_agreements(ratings: Ratings, labels: Sequence[str]) -> list[PairAgreement]:
    """Percent agreement and Cohen's kappa for every pair of reviewers with shared items."""
    reviewers = sorted({reviewer for by in ratings.values() for reviewer in by})
    pairs = []
    for a, b in itertools.combinations(reviewers, 2):
        shared = [(by[a], by[b]) for by in ratings.values() if a in by and b in by]
        if not shared:
            continue
        first = [x for x, _ in shared]
        second = [y for _, y in shared]
        percent = sum(x == y for x, y in shared) / len(shared)
        pairs.append(
            PairAgreement(
                a=a, b=b, n=len(shared), percent=percent, cohen_kappa=_cohen(first, second, labels)
            )
        )
    return pairs


def _cohen(first: list[str], second: list[str], labels: Sequence[str]) -> float | None:
    """Cohen's kappa, or None where it is undefined (both reviewers always gave one label)."""
    if len(set(first) | set(second)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(first, second, labels=list(labels))
    return None if math.isnan(value) else float(value)


def label_agreement(table: np.ndarray, labels: Sequence[str]) -> list[LabelAgreement]:
    """Specific agreement per label: of the other ratings on items that got this label, the
    share that were this label too. Lowest first; labels never given are left out."""
    raters = table.sum(axis=1, keepdims=True)
    matched = (table * (table - 1)).sum(axis=0)
    possible = (table * (raters - 1)).sum(axis=0)
    result = [
        LabelAgreement(
            label=labels[k],
            ratings=int(table[:, k].sum()),
            specific_agreement=float(matched[k] / possible[k]) if possible[k] else None,
        )
        for k in range(len(labels))
        if table[:, k].sum() > 0
    ]
    return sorted(result, key=lambda entry: (entry.specific_agreement or 0.0, entry.label))


def disagreement_pairs(ratings: Ratings) -> list[LabelPair]:
    """Count, over reviewer pairs on the same item, each pair of different labels given."""
    counts: dict[tuple[str, str], int] = {}
    for by in ratings.values():
        for first, second in itertools.combinations(sorted(by.values()), 2):
            if first != second:
                counts[(first, second)] = counts.get((first, second), 0) + 1
    pairs = [LabelPair(first=a, second=b, count=n) for (a, b), n in counts.items()]
    return sorted(pairs, key=lambda pair: (-pair.count, pair.first, pair.second))


def agreement(
    ratings: Ratings,
    labels: Sequence[str],
    *,
    bootstrap: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Agreement:
    """Compute every agreement figure over the items that two or more reviewers labelled.

    Fleiss' kappa needs the same number of ratings per item, so it uses the items with the
    most common number of ratings (`fleiss_raters`), ties going to the larger number.
    """
    used = list(labels)
    for by in ratings.values():
        for label in by.values():
            if label not in used:
                used.append(label)
    multi = {item: by for item, by in ratings.items() if len(by) >= 2}
    table = count_table(multi, used)

    fleiss_table, fleiss_raters = _fleiss_subset(table)
    fleiss = fleiss_kappa(fleiss_table) if fleiss_raters else None
    alpha = krippendorff_alpha(multi, used)

    return Agreement(
        items=len(table),
        ratings=int(table.sum()),
        percent=observed_agreement(table),
        pairs=pair_agreements(multi, used),
        fleiss_kappa=fleiss,
        fleiss_items=len(fleiss_table),
        fleiss_raters=fleiss_raters,
        krippendorff_alpha=alpha,
        gwet_ac1=gwet_ac1(table, len(used)),
        per_label=label_agreement(table, used),
        fleiss_kappa_interval=_bootstrap_fleiss(fleiss_table, bootstrap, seed)
        if fleiss is not None
        else None,
        krippendorff_alpha_interval=_bootstrap_alpha(table, bootstrap, seed)
        if alpha is not None
        else None,
        disagreement_pairs=disagreement_pairs(multi),
    )


def _fleiss_subset(table: np.ndarray) -> tuple[np.ndarray, int | None]:
    if len(table) == 0:
        return table, None
    raters = table.sum(axis=1)
    values, counts = np.unique(raters, return_counts=True)
    best = int(values[np.flatnonzero(counts == counts.max()).max()])
    return table[raters == best], best


def _bootstrap_fleiss(table: np.ndarray, samples: int, seed: int) -> tuple[float, float] | None:
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        value = fleiss_kappa(table[rng.integers(0, len(table), len(table))])
        if value is not None:
            values.append(value)
    return _percentile_interval(values)


def alpha_from_table(table: np.ndarray) -> float | None:
    """Krippendorff's alpha for nominal labels from an items x labels count table.

    alpha = 1 - (n - 1) * (n - sum_c o_cc) / (n^2 - sum_c n_c^2), with the coincidences
    o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1) over items u with m_u >= 2 ratings, n_c the
    ratings of label c counted in pairable items, and n their total. The krippendorff
    package computes the same from a reviewers x items matrix; this form is fast enough to
    bootstrap.
    """
    raters = table.sum(axis=1)
    table = table[raters >= 2]
    raters = raters[raters >= 2]
    if len(table) == 0:
        return None
    n_c = table.sum(axis=0).astype(float)
    n = n_c.sum()
    agreeing = ((table * (table - 1)).sum(axis=1) / (raters - 1)).sum()
    expected_disagreement = n * n - (n_c**2).sum()
    if expected_disagreement == 0:
        return None
    return float(1 - (n - 1) * (n - agreeing) / expected_disagreement)


def _bootstrap_alpha(table: np.ndarray, samples: int, seed: int) -> tuple[float, float] | None:
    table = table[:, table.sum(axis=0) > 0]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        value = alpha_from_table(table[rng.integers(0, len(table), len(table))])
        if value is not None:
            values.append(value)
    return _percentile_interval(values)


def _percentile_interval(values: list[float]) -> tuple[float, float] | None:
    if not values:
        return None
    lower, upper = np.percentile(values, [2.5, 97.5])
    return float(lower), float(upper)
