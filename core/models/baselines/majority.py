"""The floor every verdict is read against: always answer the most frequent training label.

A model that does not beat this has learnt nothing from its inputs; on a skewed set such as
SMS spam (87% ham) it is a high floor, which is the point of showing it. It reads no input,
so one implementation serves texts and sequences alike; each kind of input gets a class that
only adds that kind's input check.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.models.baselines.single_step import fit_in_one_step
from core.models.classifiers import Classifier, SequenceClassifier, TextClassifier
from core.progress import TrainingObserver


@dataclass(frozen=True)
class MajorityConfig:
    """Nothing to set: the training labels decide everything."""


class MajorityClassifier(Classifier):
    """Predicts the most frequent training label for every input (the smallest label of
    those tied for most frequent).

    `predict_proba` gives every input the same row, the training class frequencies
    `class_frequencies_`: the best constant answer for log loss, and its argmax is the
    majority label. `count_params` is the number of classes (one frequency each).
    """

    config_class = MajorityConfig
    artifact_suffix = ".npz"

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        def count_labels() -> np.ndarray:
            self.class_frequencies_ = np.bincount(y, minlength=len(self.classes_)) / len(y)
            return self.predict_proba(X)

        fit_in_one_step(
            count_labels,
            self.predict_proba,
            y,
            validation,
            observer=observer,
            history=self.history_,
            what="the training labels were counted",
        )

    def predict_proba(self, X) -> np.ndarray:
        return np.tile(self.class_frequencies_, (len(self._check_inputs(X)), 1))

    def count_params(self) -> int:
        return len(self.class_frequencies_)

    def _write(self, path: Path) -> None:
        with open(path, "wb") as stream:
            np.savez(stream, class_frequencies=self.class_frequencies_)

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.class_frequencies_ = arrays["class_frequencies"]


class MajorityTextClassifier(MajorityClassifier, TextClassifier):
    """The majority class of labelled texts."""


class MajoritySequenceClassifier(MajorityClassifier, SequenceClassifier):
    """The majority class of labelled sequences (images read row by row)."""
