"""The perceptron seed: fit y = Wx + b by gradient descent in TensorFlow, next to least squares.

Data are points on a line (core/learn/line_data.py). Gradient descent runs full-batch with the
update rules written out (SGD, or Adam with bias correction), so each step is the textbook one. The
closed-form least-squares answer (scikit-learn's LinearRegression) is the baseline it should reach:
the run records both weights, both costs, and how many epochs gradient descent needed to come within
1%. A learning rate too large for the data makes the cost blow up; that is detected, the fit stops,
and the message gives the largest stable step size for plain gradient descent.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting, validate
from core.learn.line_data import LOSSES
from core.models.protocol import Estimator
from core.progress import TrainingObserver

OPTIMIZERS = ("sgd", "adam")
ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-7
INITIAL_SCALE = 0.1  # the source starts both weights from N(0, 0.1), drawn from the seed


@dataclass(frozen=True)
class PerceptronConfig:
    learning_rate: float = setting(0.002, "Step size.", minimum=1e-9, maximum=1e6)
    epochs: int = setting(
        1000, "Full-batch gradient steps.", minimum=1, maximum=20_000, hosted_maximum=5_000
    )
    optimizer: str = setting("sgd", "Plain gradient descent, or Adam.", choices=OPTIMIZERS)
    loss: str = setting(
        "l2",
        "l2: half the sum of squared errors (tf.nn.l2_loss, the seed's); mse: their mean.",
        choices=LOSSES,
    )


class PerceptronRegressor(Estimator):
    """y = X W + b fitted by full-batch gradient descent in TensorFlow.

    After `fit`: `weights_`, `intercept_`, `history_` (epoch, loss, weights, intercept),
    `stopped_` (the user asked), `diverged_` (the cost became inf or NaN; the last finite
    parameters are kept). The saved file holds the weights and the intercept, as
    core/tasks/regression.py writes them for a run.
    """

    config_class = PerceptronConfig
    artifact_suffix = ".npz"

    def fit(self, X, y, *, observer: TrainingObserver | None = None) -> "PerceptronRegressor":
        import tensorflow as tf

        config = self.resolved_config
        validate(config)
        observer = observer or TrainingObserver()
        X, y = _check_points(X, y)
        X = tf.constant(X)  # (points, features)
        y = tf.constant(y)  # (points,)
        initial = np.random.default_rng(self.random_state).normal(
            0.0, INITIAL_SCALE, X.shape[1] + 1
        )
        weights = tf.Variable(initial[:-1].astype(np.float32))
        intercept = tf.Variable(np.float32(initial[-1]))
        parameters = [weights, intercept]
        first_moments = [tf.Variable(tf.zeros_like(p)) for p in parameters]
        second_moments = [tf.Variable(tf.zeros_like(p)) for p in parameters]
        step_count = tf.Variable(0.0)
        rate = tf.constant(config.learning_rate)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                errors = tf.linalg.matvec(X, weights) + intercept - y
                loss = (
                    tf.nn.l2_loss(errors)
                    if config.loss == "l2"
                    else tf.reduce_mean(tf.square(errors))
                )
            gradients = tape.gradient(loss, parameters)
            step_count.assign_add(1.0)
            for parameter, gradient, first, second in zip(
                parameters, gradients, first_moments, second_moments, strict=True
            ):
                if config.optimizer == "sgd":
                    parameter.assign_sub(rate * gradient)
                else:  # Adam (Kingma & Ba 2015), bias-corrected moment estimates
                    first.assign(ADAM_BETAS[0] * first + (1 - ADAM_BETAS[0]) * gradient)
                    second.assign(ADAM_BETAS[1] * second + (1 - ADAM_BETAS[1]) * gradient**2)
                    corrected_first = first / (1 - ADAM_BETAS[0] ** step_count)
                    corrected_second = second / (1 - ADAM_BETAS[1] ** step_count)
                    parameter.assign_sub(
                        rate * corrected_first / (tf.sqrt(corrected_second) + ADAM_EPSILON)
                    )
            return loss

        self.history_, self.stopped_, self.diverged_ = [], False, False
        self.weights_, self.intercept_ = initial[:-1], float(initial[-1])
        observer.on_train_begin(config.epochs, 1)
        for epoch in range(1, config.epochs + 1):
            if observer.should_stop():
                self.stopped_ = True
                break
            loss = float(step())  # the cost before this step's update
            current = weights.numpy().astype(np.float64)
            if not (
                np.isfinite(loss)
                and np.all(np.isfinite(current))
                and np.isfinite(intercept.numpy())
            ):
                self.diverged_ = True
                self.history_.append({"epoch": epoch, "loss": loss})
                break
            self.weights_, self.intercept_ = current, float(intercept.numpy())
            record = {
                "epoch": epoch,
                "loss": loss,
                "weights": self.weights_.tolist(),
                "intercept": self.intercept_,
            }
            self.history_.append(record)
            observer.on_epoch_end(epoch, record)
        return self

    def predict(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.weights_ + self.intercept_

    def count_params(self) -> int:
        return self.weights_.size + 1

    def _write(self, path: Path) -> None:
        # Plain arrays, not a pickle: loading the file can never run code.
        with open(path, "wb") as stream:
            np.savez(stream, weights=self.weights_, intercept=self.intercept_)

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.weights_, self.intercept_ = arrays["weights"], float(arrays["intercept"])


def _check_points(X, y) -> tuple[np.ndarray, np.ndarray]:
    """X as float32 (points, features) and y as float32 (points,); ValueError saying what
    was expected."""
    X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"Expected X shaped (points, features); got {X.shape}.")
    if y.shape != (len(X),):
        raise ValueError(f"Expected one y per point, shaped ({len(X)},); got {y.shape}.")
    return X, y
