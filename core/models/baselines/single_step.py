"""Training that happens in one step (counting labels, one solver call) reported as one epoch.

Such a model has nothing to stop halfway, but it still tells the observer its plan, refuses a
stop asked for before it starts, and leaves one epoch record with training and validation
loss and accuracy, so the dashboard, the run store and the tuner read it like any other.
"""

import time
from collections.abc import Callable

import numpy as np

from core.errors import TrainingStopped
from core.progress import TrainingObserver


def probability_scores(probabilities: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Log loss and accuracy of class probabilities (examples, classes) for labels 0..k-1."""
    from sklearn.metrics import log_loss

    labels = np.arange(probabilities.shape[1])
    return {
        "loss": float(log_loss(y, probabilities, labels=labels)),
        "accuracy": float(np.mean(np.argmax(probabilities, axis=1) == y)),
    }


def fit_in_one_step(
    fit: Callable[[], np.ndarray],
    predict_proba: Callable,
    y: np.ndarray,
    validation: tuple | None,
    *,
    observer: TrainingObserver,
    history: list[dict],
    what: str,
) -> None:
    """Run `fit()`, which learns and returns its probabilities for the training inputs, as
    the one epoch of training; appends that epoch's record to `history`.

    `validation` is (inputs, labels 0..k-1), scored with the fitted model's `predict_proba`,
    or None. A stop asked for before training raises TrainingStopped saying `what` was not
    done.
    """
    observer.on_train_begin(1, 1)
    if observer.should_stop():
        raise TrainingStopped(f"Stopped before {what}.")
    started = time.perf_counter()
    logs = probability_scores(fit(), y)
    if validation is not None:
        validation_X, validation_y = validation
        scores = probability_scores(predict_proba(validation_X), validation_y)
        logs.update({f"val_{name}": value for name, value in scores.items()})
    logs["seconds"] = time.perf_counter() - started
    record = {"epoch": 1, "complete": True, **logs}
    history.append(record)
    observer.on_batch_end(1, 1, logs)
    observer.on_epoch_end(1, record)
