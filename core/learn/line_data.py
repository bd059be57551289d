"""Points on a line (or a plane, with more features) plus Gaussian noise, and the answers a
fit is measured against: the least-squares weights, the cost, the largest stable step.

The perceptron (core/models/perceptron.py) fits these by gradient descent; the closed-form
least-squares answer (scikit-learn's LinearRegression) is the baseline it should reach.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.errors import UserFacingError

LOSSES = ("l2", "mse")  # half the summed squared error, or its mean
SETUPS = ("source", "clean")
# Where x lies in each setup: the source tutorial spaces it over [-4, 2] (so that y = 2x + 2
# spans [-6, 6]); the clean line over [-1, 1].
X_RANGES = {"source": (-4.0, 2.0), "clean": (-1.0, 1.0)}
WITHIN = 0.01  # "within 1%": relative distance of all parameters to the closed-form ones


@dataclass(frozen=True)
class LineDataConfig:
    setup: str = setting(
        "source",
        "source: the tutorial's data: x evenly spaced over [-4, 2], y = 2x + 2 over [-6, 6], "
        "and standard normal noise added to both x and y; clean: x over [-1, 1], noise on y "
        "only.",
        choices=SETUPS,
    )
    points: int = setting(
        100, "How many points.", minimum=2, maximum=100_000, hosted_maximum=10_000
    )
    slopes: str = setting("2.0", "One slope per input feature, comma-separated (e.g. 2, -1, 0.5).")
    intercept: float = setting(2.0, "The line's value at x = 0.", minimum=-1e6, maximum=1e6)
    noise: float = setting(
        1.0,
        "Standard deviation of the Gaussian noise added to y (and to x, in the source's setup).",
        minimum=0.0,
        maximum=1e6,
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
    """x evenly spaced over the setup's range (further features are shuffled copies of it),
    y on the line plus noise; in the source's setup the x the model sees is noisy too, as the
    tutorial draws it."""
    slopes = parse_slopes(config.slopes)
    rng = np.random.default_rng(seed)
    base = np.linspace(*X_RANGES[config.setup], config.points)
    columns = [base] + [rng.permutation(base) for _ in range(slopes.size - 1)]
    X = np.stack(columns, axis=1)
    y = X @ slopes + config.intercept + rng.normal(0.0, config.noise, config.points)
    if config.setup == "source":
        X = X + rng.normal(0.0, config.noise, X.shape)
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
