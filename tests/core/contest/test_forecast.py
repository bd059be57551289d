"""The forecast from learning curves on synthetic curves with known laws and crossovers."""

import numpy as np
import pytest

from core.contest.forecast import (
    NO_BACK_CHECK,
    PowerLaw,
    ScorePoint,
    back_check,
    fit_power_law,
    forecast,
    forecast_from_curve,
)
from core.contest.learning_curves import CurvePoint, CurveSettings, LearningCurve
from core.task_names import SEQUENCE_CLASSIFICATION

SIZES = (50, 100, 200, 400, 800)
# 0.85 - n^-0.5 and 0.95 - 5 n^-0.5 meet where 4 n^-0.5 = 0.1: at n = 1,600, twice N = 800.
BASELINE = PowerLaw(0.85, 1.0, 0.5)
NEURAL = PowerLaw(0.95, 5.0, 0.5)
RESAMPLES = 200


def _points(law: PowerLaw, sizes=SIZES, test_examples: int = 2000) -> list[ScorePoint]:
    return [ScorePoint(size, float(law.predict(size)), test_examples) for size in sizes]


def test_a_power_law_fit_recovers_the_law_behind_exact_points():
    law = fit_power_law(_points(PowerLaw(0.9, 2.0, 0.7), test_examples=10**9))
    assert (law.a, law.b, law.c) == pytest.approx((0.9, 2.0, 0.7), rel=1e-4)


def test_a_score_of_one_still_has_a_standard_error():
    assert 0 < ScorePoint(100, 1.0, 100).standard_error < 0.02
    assert ScorePoint(100, 0.5, 100).standard_error == pytest.approx(0.05, rel=0.03)


def test_curves_that_cross_at_a_known_size_forecast_it_inside_the_interval():
    result = forecast(_points(BASELINE), _points(NEURAL), 800, resamples=RESAMPLES)
    assert result.status == "overtakes"
    assert result.crossover == pytest.approx(1600, rel=1e-3)
    assert result.low <= 1600 <= result.high
    assert result.share_overtaking > 0.5 and result.resamples == RESAMPLES
    assert result.sentence.startswith(
        "The neural side would overtake at about 1,600 labelled examples (95% interval "
    )
    assert "within 0.0 (baseline) and 0.0 (neural) points" in result.sentence


def test_curves_that_never_cross_are_out_of_reach():
    result = forecast(_points(BASELINE), _points(PowerLaw(0.8, 3.0, 0.5)), 800, resamples=RESAMPLES)
    assert result.status == "out of reach" and result.crossover is None
    assert result.share_overtaking < 0.05
    assert result.sentence.startswith(
        "The neural side would not overtake within 10x the data (8,000 labelled examples"
    )


def test_a_neural_side_ahead_at_the_full_size_already_leads():
    result = forecast(_points(BASELINE), _points(PowerLaw(0.95, 1.0, 0.5)), 800, resamples=50)
    assert result.status == "ahead" and result.crossover == 50  # ahead from the first size
    assert result.sentence.startswith("The neural side already leads with the full 800")


def test_flat_equal_curves_are_a_tie_not_a_lead():
    flat = PowerLaw(0.8, 0.0, 0.5)
    result = forecast(_points(flat), _points(flat), 800, resamples=50)
    assert result.status == "out of reach"
    assert "would not overtake" in result.sentence


def test_the_back_check_fits_only_the_points_up_to_half_the_full_size():
    # Wild scores above N/2 (at 1,000 and at N = 1,600) must not move the half-data fit.
    points = _points(BASELINE, (100, 200, 400, 800)) + [
        ScorePoint(1000, 0.1, 2000),
        ScorePoint(1600, 0.2, 2000),
    ]
    checked = back_check(points, 1600)
    assert checked.predicted == pytest.approx(float(BASELINE.predict(1600)), abs=1e-4)
    assert checked.observed == 0.2
    assert checked.error_points == pytest.approx(100 * (BASELINE.predict(1600) - 0.2), abs=0.01)


def test_too_few_points_give_no_forecast_and_no_back_check_without_raising():
    result = forecast(_points(BASELINE, (200, 800)), _points(NEURAL), 800)
    assert result.status == "no forecast"
    assert result.sentence == (
        "No forecast: the baseline side has 2 training sizes; a power law needs at least 3."
    )
    assert result.baseline.back_check.problem == NO_BACK_CHECK
    # Three sizes fit a curve, but only two of them are at or below N/2.
    assert back_check(_points(NEURAL, (200, 400, 800)), 800).problem == NO_BACK_CHECK


def test_a_fit_that_fails_gives_no_forecast():
    broken = [*_points(NEURAL)[:-1], ScorePoint(800, float("nan"), 2000)]
    result = forecast(_points(BASELINE), broken, 800)
    assert result.status == "no forecast"
    assert result.sentence == "No forecast: the neural side's power law fit did not converge."


def test_a_learning_curve_forecasts_from_its_means_over_seeds():
    fractions = (0.1, 0.2, 0.5, 1.0)
    settings = CurveSettings(SEQUENCE_CLASSIFICATION, "digits", "logreg", "lstm", fractions, 2)
    laws = {"logreg": BASELINE, "lstm": NEURAL}
    curve_points = [
        CurvePoint(fraction, round(fraction * 1000), name, "?", seed, score + offset, 1.0)
        for name, law in laws.items()
        for fraction in fractions
        for seed, offset in enumerate((-0.01, 0.01))
        for score in [float(law.predict(round(fraction * 1000)))]
    ]
    curve = LearningCurve(settings, "accuracy", "accuracy", curve_points, complete=True)
    result = forecast_from_curve(curve, test_examples=500, resamples=50)
    assert result.full_size == 1000
    assert [point.examples for point in result.neural.points] == [100, 200, 500, 1000]
    assert [point.score for point in result.neural.points] == pytest.approx(
        NEURAL.predict(np.array([100, 200, 500, 1000]))
    )
    assert result.crossover == pytest.approx(1600, rel=1e-3)
