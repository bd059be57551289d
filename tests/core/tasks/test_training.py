import numpy as np
import pytest

from core.errors import InvalidConfig, UserFacingError
from core.models.registry import model_spec
from core.progress import StopFlag, TrainingObserver
from core.runs.comparison import held_out_examples, paired_test
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks import registry as tasks
from core.tasks.training import load_trained_model
from tests.core.helpers import tiny_config

TASK = SEQUENCE_CLASSIFICATION


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3")


def train(store, model_name, seed=0, **settings):
    spec = model_spec(TASK, model_name)
    return tasks.train(
        TASK, "digits", model_name, store=store, config=tiny_config(spec, **settings), seed=seed
    )


def test_a_finished_run_records_everything(store):
    result = train(store, "logreg")
    run = result.run
    assert run.status == "finished" and run.message == ""
    assert run.split["test"] == 360 and run.split["train"] + run.split["validation"] == 1437
    assert run.metrics["accuracy_low"] <= run.metrics["accuracy"] <= run.metrics["accuracy_high"]
    assert run.metrics["test_examples"] == 360
    assert len(run.history) == run.metrics["epochs_trained"] == len(result.model.history_)
    assert run.param_count == 650 and run.train_seconds > 0 and run.predict_ms > 0
    images, y_true, y_pred = held_out_examples(store, run)
    assert images.shape == (360, 8, 8)
    assert np.mean(y_true == y_pred) == pytest.approx(run.metrics["accuracy"])
    reloaded = load_trained_model(run)
    assert np.array_equal(reloaded.predict(images), y_pred)


def test_a_stopped_run_keeps_its_partial_model(store):
    class StopAfterTwoSteps(TrainingObserver):
        steps = 0

        def on_batch_end(self, epoch, step, logs):
            self.steps += 1

        def should_stop(self):
            return self.steps >= 2

    spec = model_spec(TASK, "lstm")
    result = tasks.train(
        TASK,
        "digits",
        "lstm",
        store=store,
        config=tiny_config(spec, epochs=3),
        observer=StopAfterTwoSteps(),
    )
    run = result.run
    assert run.status == "stopped"
    assert "epoch 1 (part-way)" in run.message
    assert run.history == [pytest.approx(record) for record in result.model.history_]
    assert run.history[0]["complete"] is False
    assert "accuracy" in run.metrics and run.artifact_path
    assert load_trained_model(run).predict_proba(np.zeros((1, 8, 8))).shape == (1, 10)


def test_a_stop_before_the_first_batch_is_recorded_without_a_model(store):
    stop = StopFlag()
    stop.request_stop()
    result = tasks.train(TASK, "digits", "gru", store=store, observer=stop)
    assert result.model is None
    assert result.run.status == "stopped"
    assert "Nothing was trained" in result.run.message
    assert result.run.metrics == {} and result.run.artifact_path is None


def test_a_crash_is_recorded_as_failed_and_raised(store):
    class Explodes(TrainingObserver):
        def on_epoch_end(self, epoch, logs):
            raise RuntimeError("disk full")

    spec = model_spec(TASK, "logreg")
    with pytest.raises(RuntimeError, match="disk full"):
        tasks.train(
            TASK, "digits", "logreg", store=store, config=tiny_config(spec), observer=Explodes()
        )
    [run] = store.list_runs()
    assert run.status == "failed" and "disk full" in run.message


def test_invalid_config_is_refused_before_anything_is_stored(store):
    spec = model_spec(TASK, "lstm")
    config = spec.default_config().__class__(**{**spec.default_config().__dict__, "epochs": 0})
    with pytest.raises(InvalidConfig, match="epochs must be at least 1"):
        tasks.train(TASK, "digits", "lstm", store=store, config=config)
    assert store.list_runs() == []


def test_paired_test_needs_the_same_test_examples(store):
    baseline = train(store, "logreg").run
    recurrent = train(store, "gru").run
    other_seed = train(store, "logreg", seed=1).run
    result = paired_test(store, baseline, recurrent)
    assert result.discordant >= 0 and 0 <= result.p_value <= 1
    with pytest.raises(UserFacingError, match="different test examples"):
        paired_test(store, baseline, other_seed)
