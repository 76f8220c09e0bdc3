"""Agreement figures against statsmodels, scikit-learn, krippendorff and worked examples."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from triage_app.domain.agreement import (
    agreement,
    alpha_from_table,
    count_table,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    pair_agreements,
)

# Davidson et al. (2017), MIT licence: per-tweet vote counts of three or more crowd coders.
DAVIDSON = Path(__file__).parent / "data" / "davidson" / "labeled_data.csv"

# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 items, 14 raters, 5 labels.
WIKIPEDIA_TABLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

# Krippendorff, "Computing Krippendorff's alpha-reliability" (2011): 4 coders, 12 units,
# nominal values, None where a coder gave no value; alpha = 0.743.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def ratings_from_rows(rows):
    ratings = {}
    for coder, row in enumerate(rows):
        for unit, value in enumerate(row):
            if value is not None:
                ratings.setdefault(f"u{unit}", {})[f"c{coder}"] = str(value)
    return ratings


def test_fleiss_wikipedia_example():
    assert fleiss_kappa(WIKIPEDIA_TABLE) == pytest.approx(0.2099, abs=1e-4)
    assert fleiss_kappa(WIKIPEDIA_TABLE) == pytest.approx(statsmodels_fleiss(WIKIPEDIA_TABLE))


def test_fleiss_rejects_uneven_ratings():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa(np.array([[2, 0], [1, 2]]))


def test_fleiss_single_label_is_undefined():
    assert fleiss_kappa(np.array([[3, 0], [3, 0]])) is None


def test_fleiss_on_davidson_matches_statsmodels():
    with DAVIDSON.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = np.array(
        [[int(r["hate_speech"]), int(r["offensive_language"]), int(r["neither"])] for r in rows]
    )
    raters = table.sum(axis=1)
    assert (raters == np.array([int(r["count"]) for r in rows])).all()
    assert len(rows) == 24_783

    # Fleiss' kappa needs equal numbers of ratings: 22,807 tweets have exactly three.
    three = table[raters == 3]
    assert len(three) == 22_807
    ours = fleiss_kappa(three)
    assert ours == pytest.approx(statsmodels_fleiss(three), abs=1e-12)
    assert 0.5 < ours < 0.6


def test_krippendorff_worked_example():
    ratings = ratings_from_rows(KRIPPENDORFF_EXAMPLE)
    labels = ["1", "2", "3", "4", "5"]

    assert krippendorff_alpha(ratings, labels) == pytest.approx(0.743, abs=5e-4)
    matrix = [[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_EXAMPLE]
    reference = krippendorff.alpha(
        reliability_data=matrix,
        level_of_measurement="nominal",
    )
    assert krippendorff_alpha(ratings, labels) == pytest.approx(reference)


def test_gwet_ac1_worked_example():
    # Two raters on ten items: both "x" on 8, both "y" on 1, one disagreement.
    # Pa = 0.9; pi_x = (8 + 0.5) / 10 = 0.85; Pe = 2 * 0.85 * 0.15 / (2 - 1) = 0.255;
    # AC1 = (0.9 - 0.255) / (1 - 0.255) = 0.86577...; Fleiss' kappa is only 0.6078.
    table = np.array([[2, 0]] * 8 + [[0, 2]] + [[1, 1]])
    assert gwet_ac1(table, 2) == pytest.approx(0.645 / 0.745)
    assert fleiss_kappa(table) == pytest.approx((0.9 - 0.745) / 0.255)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pairs_match_sklearn(seed):
    rng = random.Random(seed)
    labels = ["billing", "technical", "account", "shipping"]
    reviewers = ["ann", "bob", "cy"]
    ratings = {}
    for item in range(60):
        truth = rng.choice(labels)
        for reviewer in rng.sample(reviewers, rng.choice([2, 3])):
            label = truth if rng.random() < 0.7 else rng.choice(labels)
            ratings.setdefault(f"i{item}", {})[reviewer] = label

    for pair in pair_agreements(ratings, labels):
        shared = [r for r in ratings.values() if pair.a in r and pair.b in r]
        first = [r[pair.a] for r in shared]
        second = [r[pair.b] for r in shared]
        assert pair.n == len(shared)
        assert pair.percent == pytest.approx(
            np.mean([x == y for x, y in zip(first, second, strict=True)])
        )
        assert pair.cohen_kappa == pytest.approx(cohen_kappa_score(first, second))


def test_agreement_uses_most_common_rating_count_for_fleiss():
    ratings = {
        "i1": {"a": "x", "b": "x"},
        "i2": {"a": "y", "b": "x"},
        "i3": {"a": "x", "b": "x", "c": "y"},
        "i4": {"a": "y"},
    }
    result = agreement(ratings, ["x", "y"], bootstrap=50)

    assert result.items == 3
    assert result.fleiss_raters == 2
    assert result.fleiss_items == 2
    assert result.fleiss_kappa == pytest.approx(
        statsmodels_fleiss(count_table({k: ratings[k] for k in ("i1", "i2")}, ["x", "y"]))
    )
    # Observed agreement: i1 1.0, i2 0.0, i3 one agreeing pair of three = 1/3.
    assert result.percent == pytest.approx((1 + 0 + 1 / 3) / 3)
    lower, upper = result.krippendorff_alpha_interval
    assert lower <= result.krippendorff_alpha <= upper


def test_agreement_without_overlap_is_empty():
    result = agreement({"i1": {"a": "x"}, "i2": {"b": "y"}}, ["x", "y"])
    assert result.items == 0
    assert result.percent is None
    assert result.fleiss_kappa is None
    assert result.krippendorff_alpha is None
    assert result.pairs == []


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_alpha_from_table_matches_krippendorff(seed):
    rng = np.random.default_rng(seed)
    labels = [str(k) for k in range(5)]
    ratings = {}
    for item in range(80):
        truth = int(rng.integers(0, 5))
        for coder in range(4):
            if rng.random() < 0.7:
                value = truth if rng.random() < 0.6 else int(rng.integers(0, 5))
                ratings.setdefault(f"i{item}", {})[f"c{coder}"] = str(value)

    assert alpha_from_table(count_table(ratings, labels)) == pytest.approx(
        krippendorff_alpha(ratings, labels), abs=1e-12
    )
