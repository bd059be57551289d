"""The baseline: multinomial logistic regression on the flattened pixels.

It trains in rounds reported like epochs (core/models/baselines/logistic_rounds.py), so it trains
live like the RNNs and can be stopped.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.models.baselines.logistic_rounds import (
    LogisticRoundsConfig,
    fit_in_rounds,
    logistic_arrays,
    logistic_from_arrays,
    logistic_param_count,
)
from core.models.classifiers import SequenceClassifier
from core.progress import TrainingObserver


@dataclass(frozen=True)
class LogisticRegressionConfig(LogisticRoundsConfig):
    """The rounds' own defaults: C 1, 40 rounds of 10 iterations."""


class LogisticRegressionClassifier(SequenceClassifier):
    """Logistic regression on each image's pixels, ignoring that rows form a sequence."""

    config_class = LogisticRegressionConfig
    artifact_suffix = ".npz"

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        if validation is not None:
            validation = (validation[0].reshape(len(validation[0]), -1), validation[1])
        self.estimator_, self.stopped_ = fit_in_rounds(
            X.reshape(len(X), -1),
            y,
            validation,
            config,
            seed=self.random_state,
            observer=observer,
            history=self.history_,
        )

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return self.estimator_.predict_proba(X.reshape(len(X), -1))

    def count_params(self) -> int:
        return logistic_param_count(self.estimator_)

    def _write(self, path: Path) -> None:
        # Plain arrays, not a pickle: loading the file can never run code.
        with open(path, "wb") as stream:
            np.savez(stream, **logistic_arrays(self.estimator_))

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.estimator_ = logistic_from_arrays(arrays, len(self.classes_))
