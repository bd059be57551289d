"""The perceptron seed: gradient descent against least squares on synthetic lines."""

import numpy as np
import pytest

from core.errors import UserFacingError
from core.learn.line_data import LineDataConfig, make_line_data, stable_learning_rate
from core.models.perceptron import PerceptronConfig, PerceptronRegressor
from core.progress import TrainingObserver
from core.runs.store import RunStore
from core.tasks.regression import complete_line_fit, fit_line_and_record, start_line_fit


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3")


def test_with_the_seeds_settings_gradient_descent_matches_least_squares_within_1_percent(store):
    """100 points on linspace plus unit noise, learning rate 0.002, 1,000 epochs."""
    fit = fit_line_and_record(store=store, data_config=LineDataConfig(), config=PerceptronConfig())
    metrics = fit.run.metrics
    assert fit.run.status == "finished"
    np.testing.assert_allclose(metrics["weights"], metrics["closed_form_weights"], rtol=0.01)
    assert metrics["intercept"] == pytest.approx(metrics["closed_form_intercept"], abs=0.01)
    assert metrics["within_1_percent"] and 1 <= metrics["epochs_to_within_1_percent"] <= 1000
    assert metrics["final_cost"] == pytest.approx(metrics["closed_form_cost"], rel=1e-4)
    assert len(fit.run.history) <= 501 and fit.run.history[-1]["epoch"] == 1000


def test_several_features_get_one_weight_each(store):
    data_config = LineDataConfig(slopes="2, -1, 0.5", intercept=3.0, noise=0.1, points=200)
    fit = fit_line_and_record(
        store=store,
        data_config=data_config,
        config=PerceptronConfig(optimizer="adam", learning_rate=0.05),
    )
    np.testing.assert_allclose(fit.run.metrics["weights"], [2, -1, 0.5], atol=0.1)
    assert fit.run.metrics["intercept"] == pytest.approx(3.0, abs=0.1)
    assert fit.run.param_count == 4


def test_too_large_a_learning_rate_is_caught_and_explained(store):
    data = make_line_data(LineDataConfig(), seed=0)
    bound = stable_learning_rate(data.X, "l2")
    fit = fit_line_and_record(
        store=store,
        data_config=LineDataConfig(),
        config=PerceptronConfig(learning_rate=bound * 2.5),
    )
    assert fit.model.diverged_ and fit.run.status == "failed"
    assert "Diverged" in fit.run.message and f"below {bound:.3g}" in fit.run.message
    assert all(np.isfinite(fit.model.weights_))  # the last finite parameters are kept
    just_below = PerceptronRegressor(PerceptronConfig(learning_rate=bound * 0.9, epochs=300))
    assert not just_below.fit(data.X, data.y).diverged_


def test_a_stop_keeps_the_weights_reached_and_an_interruption_is_recorded(store):
    class StopAfter(TrainingObserver):
        def __init__(self, epochs):
            self.epochs, self.seen = epochs, 0

        def on_epoch_end(self, epoch, logs):
            self.seen = epoch

        def should_stop(self):
            return self.seen >= self.epochs

    fit = fit_line_and_record(
        store=store, data_config=LineDataConfig(), config=PerceptronConfig(), observer=StopAfter(5)
    )
    assert fit.run.status == "stopped" and "after epoch 5 of 1000" in fit.run.message
    assert fit.run.metrics["epochs_to_within_1_percent"] is None

    class Interrupts(TrainingObserver):
        def on_epoch_end(self, epoch, logs):
            if epoch == 3:
                raise KeyboardInterrupt

    pending = start_line_fit(store, LineDataConfig(), PerceptronConfig())
    with pytest.raises(KeyboardInterrupt):
        complete_line_fit(store, pending, Interrupts())
    interrupted = store.get(pending.run_id)
    assert interrupted.status == "stopped" and len(interrupted.metrics["weights"]) == 1


def test_bad_slopes_are_refused_before_anything_is_stored(store):
    with pytest.raises(UserFacingError, match="Slopes must be numbers"):
        fit_line_and_record(
            store=store, data_config=LineDataConfig(slopes="two"), config=PerceptronConfig()
        )
    assert store.list_runs() == []


def test_the_default_data_and_start_are_the_source_tutorials():
    """100 points, x evenly spaced over [-4, 2] and y over [-6, 6], N(0, 1) noise on both;
    weights from N(0, 0.1)."""
    config = LineDataConfig()
    data = make_line_data(config, seed=0)
    line = np.linspace(-4, 2, 100)
    x_noise = data.X[:, 0] - line
    y_noise = data.y - np.linspace(-6, 6, 100)
    assert config.points == 100 and data.slopes.tolist() == [2.0] and data.intercept == 2.0
    for noise in (x_noise, y_noise):  # standard normal, on both axes
        assert abs(noise.mean()) < 0.3 and 0.75 < noise.std() < 1.25
    assert abs(np.corrcoef(x_noise, y_noise)[0, 1]) < 0.3  # drawn apart
    clean = make_line_data(LineDataConfig(setup="clean"), seed=0)
    np.testing.assert_allclose(clean.X[:, 0], np.linspace(-1, 1, 100), rtol=1e-6)
    # One step too small to move them leaves the starting weights: N(0, 0.1), per seed.
    barely = PerceptronConfig(epochs=1, learning_rate=1e-9)
    starts = np.array(
        [
            [*model.weights_, model.intercept_]
            for model in (
                PerceptronRegressor(barely, random_state=seed).fit(data.X, data.y)
                for seed in range(100)
            )
        ]
    )
    assert abs(starts.mean()) < 0.03 and 0.08 < starts.std() < 0.12
