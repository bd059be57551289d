"""Every registered classifier passes the same protocol checks (adding one adds it here)."""

import numpy as np
import pytest

from core.errors import TrainingStopped
from core.models.registry import models_for
from core.progress import StopFlag, TrainingObserver
from core.task_names import SEQUENCE_CLASSIFICATION, TEXT_CLASSIFICATION
from tests.core.helpers import digits_slice, polarity_texts, tiny_config

SPECS = models_for(SEQUENCE_CLASSIFICATION) + models_for(TEXT_CLASSIFICATION)
# An input of the wrong kind for each task, and what the error says.
WRONG_INPUTS = {
    SEQUENCE_CLASSIFICATION: (lambda X: X.reshape(len(X), -1), "timesteps"),
    TEXT_CLASSIFICATION: (lambda X: np.arange(len(X)), "not text"),
}


def data_for(spec) -> tuple[np.ndarray, np.ndarray]:
    return digits_slice(240) if spec.task == SEQUENCE_CLASSIFICATION else polarity_texts()


def trains_in_epochs(spec) -> bool:
    return "epochs" in spec.default_config().__dataclass_fields__


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_constructor_stores_hyperparameters_only(spec):
    model = spec.build(tiny_config(spec), seed=3)
    assert model.get_params() == {"config": tiny_config(spec), "random_state": 3}
    assert not [name for name in vars(model) if name.endswith("_")]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_fit_predict_score_save_load(spec, tmp_path):
    X, y = data_for(spec)
    train, test = slice(0, 180), slice(180, None)
    model = spec.build(tiny_config(spec), seed=0)
    assert model.fit(X[train], y[train], validation_data=(X[test], y[test])) is model
    probabilities = model.predict_proba(X[test])
    assert probabilities.shape == (len(X[test]), len(np.unique(y)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert set(model.predict(X[test])) <= set(model.classes_)
    assert 0.0 <= model.score(X[test], y[test]) <= 1.0
    assert model.count_params() > 0
    assert model.history_ and {"epoch", "loss", "accuracy", "val_loss"} <= set(model.history_[0])
    assert model.stopped_ is False

    path = model.save(tmp_path / f"model{model.artifact_suffix}")
    assert [file.name for file in tmp_path.iterdir()] == [path.name]  # no temporary left over
    loaded = type(model).load(path, model.config, model.classes_)
    np.testing.assert_allclose(loaded.predict_proba(X[test]), probabilities, atol=1e-5)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_same_seed_same_model(spec):
    X, y = data_for(spec)
    first = spec.build(tiny_config(spec), seed=5).fit(X, y)
    second = spec.build(tiny_config(spec), seed=5).fit(X, y)
    np.testing.assert_allclose(first.predict_proba(X), second.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_stop_before_first_step_trains_nothing(spec):
    stop = StopFlag()
    stop.request_stop()
    with pytest.raises(TrainingStopped):
        spec.build(tiny_config(spec), seed=0).fit(*data_for(spec), observer=stop)


class StopAfterFirstStep(TrainingObserver):
    def __init__(self):
        self.steps = 0

    def on_batch_end(self, epoch, step, logs):
        self.steps += 1

    def should_stop(self):
        return self.steps >= 1


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_stop_mid_training_leaves_a_usable_model(spec):
    X, y = data_for(spec)
    model = spec.build(tiny_config(spec, **({"epochs": 5} if trains_in_epochs(spec) else {})), 0)
    model.fit(X, y, validation_data=(X[:40], y[:40]), observer=StopAfterFirstStep())
    # A model that trains in one step (nearest neighbours) has nothing left to stop.
    assert model.stopped_ is trains_in_epochs(spec)
    assert len(model.history_) == 1
    assert model.predict_proba(X[:5]).shape == (5, len(np.unique(y)))


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.task}:{spec.name}")
def test_rejects_a_single_class_and_wrong_inputs(spec):
    X, y = data_for(spec)
    model = spec.build(tiny_config(spec), seed=0)
    with pytest.raises(ValueError, match="single class"):
        model.fit(X[:20], np.zeros(20, dtype=int))
    wrong, message = WRONG_INPUTS[spec.task]
    with pytest.raises(ValueError, match=message):
        model.fit(wrong(X), y)
