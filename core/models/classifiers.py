"""The one protocol every seqlab classifier follows, baseline or neural, in scikit-learn's manner.

The constructor stores hyperparameters only (a typed config and a seed); `fit` validates,
learns, and returns self; what it learns ends in `_`. Progress and stop requests travel
through a `TrainingObserver`, so a stopped fit still leaves a usable, honestly labelled model.
"""

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from core.configs import validate
from core.models.protocol import Estimator
from core.progress import TrainingObserver


class Classifier(Estimator, ABC):
    """Classifies inputs into `classes_`; subclasses say which inputs (`_check_inputs`).

    After `fit`: `classes_` (sorted labels), `history_` (one dict per epoch, the last marked
    `complete: False` if a stop cut it short) and `stopped_` (True if the user stopped it).
    """

    def fit(
        self,
        X,
        y,
        *,
        validation_data: tuple | None = None,
        observer: TrainingObserver | None = None,
    ) -> "Classifier":
        """Learn from inputs `X` and labels `y`."""
        config = self.resolved_config
        validate(config)
        X = self._check_inputs(X)
        y = np.asarray(y)
        if len(X) != len(y) or len(X) == 0:
            raise ValueError(f"Expected one label per input; got {len(X)} inputs and {len(y)}.")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("Training data has a single class; a classifier needs two or more.")
        encoded = np.searchsorted(self.classes_, y)
        encoded_validation = None
        if validation_data is not None:
            validation_X, validation_y = validation_data
            encoded_validation = (
                self._check_inputs(validation_X),
                np.searchsorted(self.classes_, np.asarray(validation_y)),
            )
        self.history_: list[dict] = []
        self.stopped_ = False
        self._fit_encoded(config, X, encoded, encoded_validation, observer or TrainingObserver())
        return self

    @abstractmethod
    def _check_inputs(self, X) -> np.ndarray:
        """`X` as the array this kind of model reads; ValueError saying what was expected."""

    @abstractmethod
    def _fit_encoded(
        self,
        config: Any,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple | None,
        observer: TrainingObserver,
    ) -> None:
        """Train on labels encoded as 0..k-1; append to `history_`, set `stopped_`."""

    @abstractmethod
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, (examples, classes) in the order of `classes_`."""

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y) -> float:
        """Accuracy, as scikit-learn classifiers define `score`."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    @classmethod
    def load(cls, path: Path, config: Any, classes) -> "Classifier":
        """Rebuild a fitted model from its artifact and the config and classes the store keeps."""
        model = cls(config)
        model.classes_ = np.asarray(classes)
        model._read(Path(path))
        return model


class SequenceClassifier(Classifier):
    """Classifies sequences shaped (examples, timesteps, features) of numbers."""

    def _check_inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3:
            raise ValueError(f"Expected X shaped (examples, timesteps, features); got {X.shape}.")
        return X


class TextClassifier(Classifier):
    """Classifies raw texts: a 1-D sequence of strings (empty strings are allowed)."""

    def _check_inputs(self, X) -> np.ndarray:
        return as_texts(X)


def as_texts(X) -> np.ndarray:
    """`X` as a 1-D object array of str; ValueError naming the first non-text item."""
    texts = np.asarray(X, dtype=object)
    if texts.ndim != 1:
        raise ValueError(f"Expected a 1-D list of texts; got shape {texts.shape}.")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"Item {index} is {type(text).__name__}, not text.")
    return texts
