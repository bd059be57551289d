"""Logistic regression trained live: rounds of L-BFGS iterations reported like epochs.

scikit-learn's solver gives no per-iteration hook, so training runs in rounds of a few L-BFGS
iterations with `warm_start`; after each round ("epoch") it reports train and validation
loss and accuracy and honours a stop request, so a baseline trains live like the RNNs.
The logistic baselines (on pixels, TF-IDF features and NBSVM's scaled n-grams) train
through this one loop.
"""

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.configs import SearchRange, Setting
from core.errors import TrainingStopped
from core.progress import TrainingObserver

INVERSE_REGULARIZATION = Setting(
    "C: smaller values regularise more strongly.",
    minimum=1e-6,
    maximum=1e6,
    search=SearchRange(0.01, 100.0, log=True),
)
ROUNDS = Setting(
    "Rounds of L-BFGS iterations (training stops earlier once converged).",
    minimum=1,
    maximum=10_000,
    hosted_maximum=200,
)
ITERATIONS_PER_ROUND = Setting(
    "L-BFGS iterations per round; progress is reported after each round.",
    minimum=1,
    maximum=1_000,
    hosted_maximum=100,
)


@dataclass(frozen=True)
class LogisticRoundsConfig:
    """What every logistic baseline trained in rounds takes; each may change the defaults."""

    inverse_regularization: float = INVERSE_REGULARIZATION.field(1.0)
    epochs: int = ROUNDS.field(40)
    iterations_per_epoch: int = ITERATIONS_PER_ROUND.field(10)


def _scores(estimator, features, y, labels: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import log_loss

    probabilities = estimator.predict_proba(features)
    accuracy = float(np.mean(labels[np.argmax(probabilities, axis=1)] == y))
    return float(log_loss(y, probabilities, labels=labels)), accuracy


def fit_in_rounds(
    features,
    y: np.ndarray,
    validation: tuple | None,
    config,
    *,
    seed: int,
    observer: TrainingObserver,
    history: list[dict],
    class_weight: str | None = None,
    wrap: Callable | None = None,
):
    """Fit logistic regression round by round; returns (the estimator, whether it was stopped).

    `config` gives `inverse_regularization` (C), `epochs` (rounds) and `iterations_per_epoch`.
    `y` holds labels 0..k-1 and `validation` is (features, labels) or None. Appends one record
    per round to `history`. `wrap`, if given, turns the configured logistic regression into
    the estimator trained instead (NBSVM's one per class, core/models/baselines/nbsvm.py): it
    must warm-start on each `fit` and offer `predict_proba` and `n_iter_` like the original.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    epochs, iterations_per_epoch = config.epochs, config.iterations_per_epoch
    estimator = LogisticRegression(
        C=config.inverse_regularization,
        class_weight=class_weight,
        max_iter=iterations_per_epoch,
        warm_start=True,
        random_state=seed,
    )
    if wrap is not None:
        estimator = wrap(estimator)
    observer.on_train_begin(epochs, 1)
    if observer.should_stop():
        raise TrainingStopped("Stopped before the first round of training.")
    labels = np.arange(int(y.max()) + 1)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        with warnings.catch_warnings():
            # Each round ends at max_iter on purpose; convergence is checked below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(features, y)
        logs = {}
        logs["loss"], logs["accuracy"] = _scores(estimator, features, y, labels)
        if validation is not None:
            logs["val_loss"], logs["val_accuracy"] = _scores(estimator, *validation, labels)
        logs["seconds"] = time.perf_counter() - started
        record = {"epoch": epoch, "complete": True, **logs}
        history.append(record)
        observer.on_batch_end(epoch, 1, logs)
        observer.on_epoch_end(epoch, record)
        if estimator.n_iter_.max() < iterations_per_epoch:
            return estimator, False  # converged within this round
        if observer.should_stop():
            return estimator, True
    return estimator, False


def logistic_arrays(estimator) -> dict[str, np.ndarray]:
    """A fitted logistic regression as plain arrays (np.savez, no pickle)."""
    return {"coef": estimator.coef_, "intercept": estimator.intercept_}


def logistic_from_arrays(arrays, class_count: int):
    """The logistic regression `logistic_arrays` saved, ready to predict labels 0..k-1."""
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression()
    estimator.coef_ = arrays["coef"]
    estimator.intercept_ = arrays["intercept"]
    estimator.classes_ = np.arange(class_count)
    return estimator


def logistic_param_count(estimator) -> int:
    return int(estimator.coef_.size + estimator.intercept_.size)
