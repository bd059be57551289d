"""A learning curve in a spawned process: points arrive, the curve comes back, Stop works."""

from core.contest.learning_curves import CurveSettings, cached_curves
from core.runtime.curve_jobs import CurveJob
from core.task_names import SEQUENCE_CLASSIFICATION

SETTINGS = CurveSettings(
    SEQUENCE_CLASSIFICATION,
    "digits",
    "logreg",
    "lstm",
    fractions=(0.5, 1.0),
    seeds=1,
    model_settings={"epochs": 1, "units": 8},
)


def test_a_curve_job_reports_points_and_returns_the_saved_curve():
    job = CurveJob(SETTINGS).start()
    assert job.wait(300)
    assert not job.error and job.curve.complete and job.fraction_done == 1.0
    assert [(point.model, point.fraction) for point in job.points] == [
        ("logreg", 0.5), ("lstm", 0.5), ("logreg", 1.0), ("lstm", 1.0)
    ]  # fmt: skip
    assert job.total_points == 4 and job.curve.points == job.points
    assert cached_curves(SEQUENCE_CLASSIFICATION, "digits") == [job.curve]


def test_a_curve_stopped_before_it_starts_is_partial_and_empty():
    job = CurveJob(SETTINGS)
    job.request_stop()
    assert job.start().wait(300)
    assert job.curve.points == [] and not job.curve.complete
    assert "0 of 4 points" in job.curve.message


def test_a_bad_setting_comes_back_as_a_message():
    job = CurveJob(CurveSettings(SEQUENCE_CLASSIFICATION, "digits", "logreg", "logreg")).start()
    assert job.wait(300)
    assert job.curve is None and "logreg is a baseline model" in job.error
