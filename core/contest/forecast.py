"""Forecast from learning curves: with how many labelled examples would the neural side
overtake the baseline?

Each side's points (training examples n, test score) are fitted with the power law
score(n) = a - b * n^(-c), the usual shape of a learning curve: it rises ever more slowly
towards an asymptote a <= 1. Each point weighs by its binomial standard error on the m test
examples. The crossover is the smallest n, from the smallest size tried, from which the
neural curve stays above the baseline's up to 10 times the full training size N.

Two checks keep the forecast honest. A parametric bootstrap redraws each score from a normal
with its standard error, refits both sides and recomputes the crossover: the 95% percentile
interval, and the share of redraws in which the neural side leads by 10N. A back-check fits
each side on its points with n <= N/2 only and predicts the score at N, which was measured:
how far off that extrapolation was is the best guide to how far to trust this one.

Nothing here raises for a curve it cannot fit: too few training sizes, or a fit that does
not converge, gives a Forecast whose sentence says why there is no forecast.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.contest.learning_curves import LearningCurve

REACH = 10  # how many times the full training size the forecast looks ahead
RESAMPLES = 500
CONFIDENCE = 0.95
MIN_SIZES = 3  # a power law has three parameters
MAX_EXPONENT = 5.0  # beyond it a curve reaches its asymptote within the smallest size tried
GRID_POINTS = 2000
# Two fitted curves closer than this (a ten-thousandth of an accuracy point) are tied, so
# two flat curves at one score never make either side "ahead" by rounding error.
TIE = 1e-6
NO_BACK_CHECK = "not enough points for a back-check"


@dataclass(frozen=True)
class ScorePoint:
    examples: int  # training examples the model saw
    score: float  # a hit rate on the test part, in [0, 1]
    test_examples: int

    @property
    def standard_error(self) -> float:
        """The binomial standard error of the score, on the Agresti-Coull estimate (two
        hits and two misses added), so a score of 0 or 1 still has an honest, non-zero one."""
        tests = self.test_examples + 4
        rate = (self.score * self.test_examples + 2) / tests
        return float(np.sqrt(rate * (1 - rate) / tests))


@dataclass(frozen=True)
class PowerLaw:
    """score(n) = a - b * n^(-c)."""

    a: float
    b: float
    c: float

    def predict(self, examples):
        return self.a - self.b * np.power(np.asarray(examples, dtype=float), -self.c)


@dataclass(frozen=True)
class BackCheck:
    """The score at the full size N as predicted from the points with n <= N/2, and as
    measured; `problem` says why there is none."""

    predicted: float | None = None
    observed: float | None = None
    problem: str = ""

    @property
    def error_points(self) -> float | None:
        """Predicted minus observed, in accuracy points (percentage points)."""
        if self.predicted is None or self.observed is None:
            return None
        return 100 * (self.predicted - self.observed)


@dataclass(frozen=True)
class SideFit:
    side: str  # "baseline" or "neural"
    points: tuple[ScorePoint, ...]
    law: PowerLaw | None  # None when it could not be fitted; `problem` says why
    back_check: BackCheck
    problem: str = ""


@dataclass(frozen=True)
class Forecast:
    full_size: int  # N, the whole training part
    baseline: SideFit
    neural: SideFit
    status: Literal["overtakes", "ahead", "out of reach", "no forecast"]
    crossover: float | None = None  # examples; None unless neural is ahead at REACH * N
    low: float | None = None  # the 95% interval; `high` is inf past REACH * N
    high: float | None = None
    share_overtaking: float | None = None  # of resamples, neural ahead at REACH * N
    resamples: int = 0  # the resamples whose curves both fitted
    problem: str = ""

    @property
    def reach(self) -> int:
        return REACH * self.full_size

    @property
    def sentence(self) -> str:
        if self.status == "no forecast":
            return f"No forecast: {self.problem}."
        if self.status == "overtakes":
            claim = (
                f"The neural side would overtake at about {_about(self.crossover)} labelled "
                f"examples ({self._interval()})"
            )
        elif self.status == "ahead":
            claim = (
                f"The neural side already leads with the full {self.full_size:,} labelled "
                f"examples (the fitted curves have it ahead from about "
                f"{_about(self.crossover)} on; "
                f"{self._interval()})"
            )
        elif self._neural_leads_at_full_size():
            claim = (
                f"The neural side leads with the full {self.full_size:,} labelled examples, but "
                f"the fitted curves have the baseline ahead again before {self.reach:,} "
                f"({self._share()})"
            )
        else:
            claim = (
                f"The neural side would not overtake within {REACH}x the data "
                f"({self.reach:,} labelled examples; {self._share()})"
            )
        return f"{claim}; {self._back_check_text()}."

    def _neural_leads_at_full_size(self) -> bool:
        gap = self.neural.law.predict(self.full_size) - self.baseline.law.predict(self.full_size)
        return bool(gap > TIE)

    def _interval(self) -> str:
        high = f"more than {self.reach:,}" if np.isinf(self.high) else _about(self.high)
        return f"{CONFIDENCE:.0%} interval {_about(self.low)} to {high}; {self._share()}"

    def _share(self) -> str:
        return (
            f"neural ahead at {self.reach:,} in {self.share_overtaking:.0%} of "
            f"{self.resamples} resamples"
        )

    def _back_check_text(self) -> str:
        checks = [side.back_check for side in (self.baseline, self.neural)]
        errors = [check.error_points for check in checks]
        if None not in errors:
            return (
                "fitted on half the data, the curves predicted the full-data scores within "
                f"{abs(errors[0]):.1f} (baseline) and {abs(errors[1]):.1f} (neural) points"
            )
        if checks[0].problem == checks[1].problem:
            return checks[0].problem
        return "; ".join(
            f"{side.side} back-check: {side.back_check.problem}"
            if side.back_check.problem
            else f"fitted on half the data, the {side.side} curve predicted its full-data "
            f"score within {abs(side.back_check.error_points):.1f} points"
            for side in (self.baseline, self.neural)
        )


def _about(examples: float) -> str:
    """A training size to two significant figures: 12,345 reads "12,000"."""
    return f"{float(f'{examples:.2g}'):,.0f}"


def _fit(
    examples: np.ndarray, scores: np.ndarray, errors: np.ndarray, starts: list
) -> PowerLaw | None:
    """The weighted least-squares power law from the best of `starts` (each (a, b, c) with n
    in units of the largest size, which keeps b near the scores' scale), or None if no
    start converges."""
    from scipy.optimize import least_squares

    scale = float(examples.max())
    relative = examples / scale

    def residuals(parameters: np.ndarray) -> np.ndarray:
        a, b, c = parameters
        return (a - b * relative ** (-c) - scores) / errors

    def jacobian(parameters: np.ndarray) -> np.ndarray:  # (points, parameters)
        _, b, c = parameters
        power = relative ** (-c)
        return (
            np.stack([np.ones_like(power), -power, b * power * np.log(relative)], axis=1)
            / (errors[:, None])
        )

    best = None
    for start in starts:
        try:
            result = least_squares(
                residuals,
                start,
                jac=jacobian,
                bounds=([0.0, 0.0, 0.0], [1.0, np.inf, MAX_EXPONENT]),
            )
        except ValueError:  # a start outside the bounds, or non-finite residuals
            continue
        if result.status > 0 and np.all(np.isfinite(result.x)):
            if best is None or result.cost < best.cost:
                best = result
    if best is None:
        return None
    a, b, c = (float(value) for value in best.x)
    return PowerLaw(a, b * scale**c, c)


def _first_starts(examples: np.ndarray, scores: np.ndarray) -> list:
    """A few starting points spread over the exponent, the asymptote just above the best
    score and b putting the smallest size at the worst score."""
    asymptote = min(float(scores.max()) + 0.01, 0.999)
    smallest = examples.min() / examples.max()
    rise = max(asymptote - float(scores.min()), 1e-3)
    return [[asymptote, rise * smallest**exponent, exponent] for exponent in (0.3, 1.0, 2.0)]


def _arrays(points: Sequence[ScorePoint]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([point.examples for point in points], dtype=float),
        np.array([point.score for point in points], dtype=float),
        np.array([point.standard_error for point in points]),
    )


def fit_power_law(points: Sequence[ScorePoint]) -> PowerLaw | None:
    """The power law through `points`, or None when they hold fewer than three training sizes
    or the fit does not converge."""
    examples, scores, errors = _arrays(points)
    if len(np.unique(examples)) < MIN_SIZES:
        return None
    return _fit(examples, scores, errors, _first_starts(examples, scores))


def back_check(points: Sequence[ScorePoint], full_size: int) -> BackCheck:
    """Fit on the points with n <= N/2 only and predict the score measured at N."""
    half = [point for point in points if point.examples <= full_size / 2]
    if len({point.examples for point in half}) < MIN_SIZES:
        return BackCheck(problem=NO_BACK_CHECK)
    observed = [point.score for point in points if point.examples == full_size]
    if not observed:
        return BackCheck(problem="no score at the full training size to check against")
    law = fit_power_law(half)
    if law is None:
        return BackCheck(problem="the half-data fit did not converge")
    return BackCheck(float(law.predict(full_size)), float(np.mean(observed)))


def fit_side(side: str, points: Sequence[ScorePoint], full_size: int) -> SideFit:
    points = tuple(sorted(points, key=lambda point: point.examples))
    sizes = len({point.examples for point in points})
    checked = back_check(points, full_size)
    if sizes < MIN_SIZES:
        return SideFit(
            side,
            points,
            None,
            checked,
            f"the {side} side has {sizes} training size{'s' * (sizes != 1)}; a power law "
            f"needs at least {MIN_SIZES}",
        )
    law = fit_power_law(points)
    problem = "" if law else f"the {side} side's power law fit did not converge"
    return SideFit(side, points, law, checked, problem)


def crossover(baseline: PowerLaw, neural: PowerLaw, start: float, end: float) -> float | None:
    """The smallest n in [start, end] from which `neural` stays above `baseline` up to `end`
    (`start` when it is above throughout), or None when it is not above at `end`."""
    from scipy.optimize import brentq

    grid = np.geomspace(start, end, GRID_POINTS)
    behind = np.flatnonzero(neural.predict(grid) - baseline.predict(grid) <= TIE)
    if behind.size == 0:
        return float(start)
    last = behind[-1]
    if last == grid.size - 1:
        return None
    return float(
        brentq(lambda n: neural.predict(n) - baseline.predict(n) - TIE, grid[last], grid[last + 1])
    )


def _bootstrap(
    sides: tuple[SideFit, SideFit], start: float, end: float, resamples: int, seed: int
) -> np.ndarray:
    """The crossover of each resample whose two curves both fit (inf where none by `end`)."""
    rng = np.random.default_rng(seed)
    data = [_arrays(side.points) for side in sides]
    crossings = []
    for _ in range(resamples):
        laws = []
        for (examples, scores, errors), side in zip(data, sides, strict=True):
            drawn = np.clip(rng.normal(scores, errors), 0.0, 1.0)
            scale = examples.max()
            # Start from the fit to the measured scores: each resample lies near it.
            start_at = [side.law.a, side.law.b * scale ** (-side.law.c), side.law.c]
            laws.append(_fit(examples, drawn, errors, [start_at]))
        if None not in laws:
            found = crossover(*laws, start, end)
            crossings.append(np.inf if found is None else found)
    return np.array(crossings)


def forecast(
    baseline: Sequence[ScorePoint],
    neural: Sequence[ScorePoint],
    full_size: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Forecast:
    """Where the neural side's fitted curve overtakes the baseline's, with a bootstrap
    interval and each side's back-check; `full_size` is N, the whole training part."""
    sides = (fit_side("baseline", baseline, full_size), fit_side("neural", neural, full_size))
    problems = [side.problem for side in sides if side.problem]
    if problems:
        return Forecast(full_size, *sides, status="no forecast", problem="; ".join(problems))
    start = min(point.examples for side in sides for point in side.points)
    end = REACH * full_size
    found = crossover(sides[0].law, sides[1].law, start, end)
    crossings = _bootstrap(sides, start, end, resamples, seed)
    if crossings.size == 0:
        return Forecast(
            full_size, *sides, status="no forecast", problem="no resample's curves could be fit"
        )
    tail = (1 - CONFIDENCE) / 2
    if found is None:
        status = "out of reach"
    else:
        status = "ahead" if found <= full_size else "overtakes"
    return Forecast(
        full_size,
        *sides,
        status=status,
        crossover=found,
        low=float(np.quantile(crossings, tail, method="lower")),
        high=float(np.quantile(crossings, 1 - tail, method="higher")),
        share_overtaking=float(np.mean(np.isfinite(crossings))),
        resamples=int(crossings.size),
    )


def forecast_from_curve(
    curve: LearningCurve, test_examples: int, *, resamples: int = RESAMPLES, seed: int = 0
) -> Forecast:
    """The forecast from a learning curve's means over seeds at each training size, each
    scored on the same `test_examples`; N is the size of the whole training part."""
    rows = curve.summary()
    widest = max(rows, key=lambda row: row["fraction"], default=None)
    full_size = round(widest["examples"] / widest["fraction"]) if widest else 0
    sides = [
        [
            ScorePoint(row["examples"], row["mean"], test_examples)
            for row in rows
            if row["model"] == model
        ]
        for model in (curve.settings.baseline, curve.settings.model)
    ]
    return forecast(*sides, full_size, resamples=resamples, seed=seed)
