"""Logistic regression trained live: rounds of L-BFGS iterations reported like epochs.

scikit-learn's solver gives no per-iteration hook, so training runs in rounds of a few L-BFGS
iterations with `warm_start`; after each round ("epoch") it reports train and validation
loss and accuracy and honours a stop request, so a baseline trains live like the RNNs.
Both logistic baselines (pixels and TF-IDF features) train through this one loop.
"""

import time
import warnings

import numpy as np

from core.errors import TrainingStopped
from core.progress import TrainingObserver


def _scores(estimator, features, y, labels: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import log_loss

    probabilities = estimator.predict_proba(features)
    accuracy = float(np.mean(labels[np.argmax(probabilities, axis=1)] == y))
    return float(log_loss(y, probabilities, labels=labels)), accuracy


def fit_in_rounds(
    estimator,
    features,
    y: np.ndarray,
    validation: tuple | None,
    *,
    epochs: int,
    iterations_per_epoch: int,
    observer: TrainingObserver,
    history: list[dict],
) -> bool:
    """Fit a warm-started `LogisticRegression(max_iter=iterations_per_epoch)` round by round.

    `y` holds labels 0..k-1 and `validation` is (features, labels) or None. Appends one
    record per round to `history`; returns True if a stop request ended training early.
    """
    from sklearn.exceptions import ConvergenceWarning

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
            return False  # converged within this round
        if observer.should_stop():
            return True
    return False
