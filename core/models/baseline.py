"""The baseline: multinomial logistic regression on the flattened pixels.

scikit-learn's solver gives no per-iteration hook, so training runs in rounds of a few L-BFGS
iterations with `warm_start`; after each round ("epoch") it reports train and validation
loss and accuracy and honours a stop request, so the baseline trains live like the RNNs.
"""

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.errors import TrainingStopped
from core.models.base import SequenceClassifier
from core.progress import TrainingObserver


@dataclass(frozen=True)
class LogisticRegressionConfig:
    inverse_regularization: float = setting(
        1.0, "C: smaller values regularise more strongly.", minimum=1e-6, maximum=1e6
    )
    epochs: int = setting(
        40,
        "Rounds of L-BFGS iterations (training stops earlier once converged).",
        minimum=1,
        maximum=10_000,
    )
    iterations_per_epoch: int = setting(
        10,
        "L-BFGS iterations per round; progress is reported after each round.",
        minimum=1,
        maximum=1_000,
    )


class LogisticRegressionClassifier(SequenceClassifier):
    """Logistic regression on each image's pixels, ignoring that rows form a sequence."""

    config_class = LogisticRegressionConfig
    artifact_suffix = ".npz"

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import log_loss

        self.estimator_ = LogisticRegression(
            C=config.inverse_regularization,
            max_iter=config.iterations_per_epoch,
            warm_start=True,
            random_state=self.random_state,
        )
        flat = X.reshape(len(X), -1)
        observer.on_train_begin(config.epochs, 1)
        if observer.should_stop():
            raise TrainingStopped("Stopped before the first round of training.")
        labels = np.arange(len(self.classes_))
        for epoch in range(1, config.epochs + 1):
            started = time.perf_counter()
            with warnings.catch_warnings():
                # Each round ends at max_iter on purpose; convergence is checked below.
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.estimator_.fit(flat, y)
            logs = {
                "loss": log_loss(y, self.estimator_.predict_proba(flat), labels=labels),
                "accuracy": float(np.mean(self.estimator_.predict(flat) == y)),
            }
            if validation is not None:
                validation_flat = validation[0].reshape(len(validation[0]), -1)
                logs["val_loss"] = log_loss(
                    validation[1], self.estimator_.predict_proba(validation_flat), labels=labels
                )
                logs["val_accuracy"] = float(
                    np.mean(self.estimator_.predict(validation_flat) == validation[1])
                )
            logs["seconds"] = time.perf_counter() - started
            record = {"epoch": epoch, "complete": True, **logs}
            self.history_.append(record)
            observer.on_batch_end(epoch, 1, logs)
            observer.on_epoch_end(epoch, record)
            if self.estimator_.n_iter_.max() < config.iterations_per_epoch:
                break  # converged within this round
            if observer.should_stop():
                self.stopped_ = True
                break

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return self.estimator_.predict_proba(X.reshape(len(X), -1))

    def count_params(self) -> int:
        return int(self.estimator_.coef_.size + self.estimator_.intercept_.size)

    def _write(self, path: Path) -> None:
        # Plain arrays, not a pickle: loading the file can never run code.
        with open(path, "wb") as stream:
            np.savez(stream, coef=self.estimator_.coef_, intercept=self.estimator_.intercept_)

    def _read(self, path: Path) -> None:
        from sklearn.linear_model import LogisticRegression

        with np.load(path, allow_pickle=False) as arrays:
            self.estimator_ = LogisticRegression()
            self.estimator_.coef_ = arrays["coef"]
            self.estimator_.intercept_ = arrays["intercept"]
        self.estimator_.classes_ = np.arange(len(self.classes_))
