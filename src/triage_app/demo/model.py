"""The demo's classifier: TF-IDF features and logistic regression, trained on banking77.

It runs locally in a few seconds and gives what an LLM classifier would: a label, a full
probability distribution over the taxonomy, and a rationale (the words that weighed most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

MODEL_NAME = f"tfidf-logreg (scikit-learn {sklearn.__version__}, banking77 train split)"
METHOD = "predict_proba"
RATIONALE_WORDS = 3


@dataclass(frozen=True)
class Prediction:
    label: str
    distribution: dict[str, float]
    rationale: str


class TextClassifier:
    """A linear text classifier whose probabilities cover every label it was trained on."""

    def __init__(self, *, regularization: float = 10.0) -> None:
        self._vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        self._model = LogisticRegression(C=regularization, max_iter=300)

    def fit(self, texts: list[str], labels: list[str]) -> TextClassifier:
        features = self._vectorizer.fit_transform(texts)
        self._model.fit(features, labels)
        self._vocabulary = self._vectorizer.get_feature_names_out()
        return self

    def predict(self, texts: list[str]) -> list[Prediction]:
        features = self._vectorizer.transform(texts)
        probabilities = self._model.predict_proba(features)
        classes = self._model.classes_
        predictions = []

        for row, probability in enumerate(probabilities):
            best = int(np.argmax(probability))
            distribution = {
                str(label): round(float(p), 6)
                for label, p in zip(classes, probability, strict=True)
            }
            _renormalize(distribution, str(classes[best]))
            rationale = self._rationale(features[row], best, probability, classes)
            predictions.append(
                Prediction(label=str(classes[best]), distribution=distribution, rationale=rationale)
            )
        return predictions

    def _rationale(self, row, best: int, probability: np.ndarray, classes: np.ndarray) -> str:
        """Name the words that pushed the chosen label up most, and the runner-up label."""
        weights = self._model.coef_[best]
        columns = row.indices
        contributions = row.data * weights[columns]
        order = np.argsort(-contributions)[:RATIONALE_WORDS]
        words = [
            f'"{self._vocabulary[columns[i]]}" (+{contributions[i]:.2f})'
            for i in order
            if contributions[i] > 0
        ]

        runner_up = int(np.argsort(-probability)[1])
        lead = (
            f"Words that weighed most for {classes[best]}: {', '.join(words)}."
            if words
            else f"No word of the message is typical of {classes[best]}; it wins on the prior."
        )
        return f"{lead} Runner-up: {classes[runner_up]} ({probability[runner_up]:.2f})."


def _renormalize(distribution: dict[str, float], top: str) -> None:
    """Put the rounding error on the top label so the probabilities sum to 1 exactly enough."""
    error = 1.0 - sum(distribution.values())
    distribution[top] = round(distribution[top] + error, 6)
