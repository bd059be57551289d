"""The perceptron seed: fit y = Wx + b by gradient descent in TensorFlow, next to least squares.

Data are points on a line (or a plane, with more features) plus Gaussian noise. Gradient
descent runs full-batch with the update rules written out (SGD, or Adam with bias
correction), so each step is the textbook one. The closed-form least-squares answer
(scikit-learn's LinearRegression) is the baseline it should reach: the run records both
weights, both costs, and how many epochs gradient descent needed to come within 1%.
A learning rate too large for the data makes the cost blow up; that is detected, the fit
stops, and the message gives the largest stable step size for plain gradient descent.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.errors import UserFacingError
from core.progress import TrainingObserver

LOSSES = ("l2", "mse")
OPTIMIZERS = ("sgd", "adam")
WITHIN = 0.01  # "within 1%": relative distance of all parameters to the closed-form ones
ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-7


@dataclass(frozen=True)
class LineDataConfig:
    points: int = setting(100, "How many points.", minimum=2, maximum=100_000)
    slopes: str = setting("2.0", "One slope per input feature, comma-separated (e.g. 2, -1, 0.5).")
    intercept: float = setting(0.0, "The line's value at x = 0.", minimum=-1e6, maximum=1e6)
    noise: float = setting(
        1.0, "Standard deviation of the Gaussian noise added to y.", minimum=0.0, maximum=1e6
    )


@dataclass(frozen=True)
class PerceptronConfig:
    learning_rate: float = setting(0.002, "Step size.", minimum=1e-9, maximum=1e6)
    epochs: int = setting(1000, "Full-batch gradient steps.", minimum=1, maximum=20_000)
    optimizer: str = setting("sgd", "Plain gradient descent, or Adam.", choices=OPTIMIZERS)
    loss: str = setting(
        "l2",
        "l2: half the sum of squared errors (tf.nn.l2_loss, the seed's); mse: their mean.",
        choices=LOSSES,
    )


@dataclass(frozen=True)
class LineData:
    X: np.ndarray  # (points, features)
    y: np.ndarray  # (points,)
    slopes: np.ndarray
    intercept: float


def parse_slopes(text: str) -> np.ndarray:
    try:
        slopes = np.array([float(part) for part in text.split(",") if part.strip()])
    except ValueError:
        raise UserFacingError(
            f"Slopes must be numbers separated by commas, like 2, -1; got {text!r}."
        ) from None
    if not 1 <= slopes.size <= 20 or not np.all(np.isfinite(slopes)):
        raise UserFacingError("Give between 1 and 20 finite slopes, one per feature.")
    return slopes


def make_line_data(config: LineDataConfig, seed: int) -> LineData:
    """x evenly spaced on [-1, 1] as in the seed; further features are shuffled copies of it."""
    slopes = parse_slopes(config.slopes)
    rng = np.random.default_rng(seed)
    base = np.linspace(-1.0, 1.0, config.points)
    columns = [base] + [rng.permutation(base) for _ in range(slopes.size - 1)]
    X = np.stack(columns, axis=1)
    y = X @ slopes + config.intercept + rng.normal(0.0, config.noise, config.points)
    return LineData(X.astype(np.float32), y.astype(np.float32), slopes, config.intercept)


def cost(X: np.ndarray, y: np.ndarray, weights, intercept: float, loss: str) -> float:
    errors = X @ np.asarray(weights, dtype=np.float64) + intercept - y
    return float(0.5 * np.sum(errors**2) if loss == "l2" else np.mean(errors**2))


def stable_learning_rate(X: np.ndarray, loss: str) -> float:
    """Plain gradient descent converges only for steps below 2 / the cost's largest curvature."""
    design = np.column_stack([X, np.ones(len(X))]).astype(np.float64)
    hessian = design.T @ design * (1.0 if loss == "l2" else 2.0 / len(X))
    return float(2.0 / np.linalg.eigvalsh(hessian).max())


@dataclass(frozen=True)
class LeastSquares:
    weights: np.ndarray
    intercept: float


def least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquares:
    from sklearn.linear_model import LinearRegression

    fitted = LinearRegression().fit(X.astype(np.float64), y.astype(np.float64))
    return LeastSquares(fitted.coef_, float(fitted.intercept_))


def relative_distance(weights, intercept: float, reference: LeastSquares) -> float:
    """|theta - theta*| / |theta*| over all weights and the intercept together."""
    theta = np.append(np.asarray(weights, dtype=np.float64), intercept)
    target = np.append(reference.weights, reference.intercept)
    return float(np.linalg.norm(theta - target) / max(np.linalg.norm(target), 1e-12))


class PerceptronRegressor:
    """y = X W + b fitted by full-batch gradient descent in TensorFlow.

    After `fit`: `weights_`, `intercept_`, `history_` (epoch, loss, weights, intercept),
    `stopped_` (the user asked), `diverged_` (the cost became inf or NaN; the last finite
    parameters are kept).
    """

    config_class = PerceptronConfig

    def __init__(self, config: PerceptronConfig | None = None, random_state: int = 0) -> None:
        self.config = config
        self.random_state = random_state

    def fit(self, X, y, *, observer: TrainingObserver | None = None) -> "PerceptronRegressor":
        import tensorflow as tf

        config = self.config or PerceptronConfig()
        observer = observer or TrainingObserver()
        X = tf.constant(np.asarray(X, dtype=np.float32))  # (points, features)
        y = tf.constant(np.asarray(y, dtype=np.float32))  # (points,)
        # Zeros, as in the seed: the path from the start to the answer is then the same every run.
        weights = tf.Variable(tf.zeros([X.shape[1]]))
        intercept = tf.Variable(0.0)
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
        self.weights_, self.intercept_ = np.zeros(X.shape[1]), 0.0
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
