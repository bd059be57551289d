"""Every registered model passes the same protocol checks (adding one adds it here)."""

import numpy as np
import pytest

from core.errors import TrainingStopped
from core.progress import StopFlag, TrainingObserver
from core.registry import SEQUENCE_CLASSIFICATION, models_for
from tests.core.helpers import digits_slice, tiny_config

SPECS = models_for(SEQUENCE_CLASSIFICATION)


@pytest.fixture(scope="module")
def digits():
    return digits_slice(240)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_constructor_stores_hyperparameters_only(spec):
    model = spec.build(tiny_config(spec), seed=3)
    assert model.get_params() == {"config": tiny_config(spec), "random_state": 3}
    assert not [name for name in vars(model) if name.endswith("_")]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_fit_predict_score_save_load(spec, digits, tmp_path):
    images, labels = digits
    train, test = slice(0, 180), slice(180, None)
    model = spec.build(tiny_config(spec), seed=0)
    assert (
        model.fit(images[train], labels[train], validation_data=(images[test], labels[test]))
        is model
    )
    probabilities = model.predict_proba(images[test])
    assert probabilities.shape == (60, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert set(model.predict(images[test])) <= set(model.classes_)
    assert 0.0 <= model.score(images[test], labels[test]) <= 1.0
    assert model.count_params() > 0
    assert model.history_ and {"epoch", "loss", "accuracy", "val_loss"} <= set(model.history_[0])
    assert model.stopped_ is False

    path = model.save(tmp_path / f"model{model.artifact_suffix}")
    assert [file.name for file in tmp_path.iterdir()] == [path.name]  # no temporary left over
    loaded = type(model).load(path, model.config, model.classes_)
    np.testing.assert_allclose(loaded.predict_proba(images[test]), probabilities, atol=1e-5)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_same_seed_same_model(spec, digits):
    images, labels = digits
    first = spec.build(tiny_config(spec), seed=5).fit(images, labels)
    second = spec.build(tiny_config(spec), seed=5).fit(images, labels)
    np.testing.assert_allclose(first.predict_proba(images), second.predict_proba(images), atol=1e-5)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_stop_before_first_step_trains_nothing(spec, digits):
    stop = StopFlag()
    stop.request_stop()
    with pytest.raises(TrainingStopped):
        spec.build(tiny_config(spec), seed=0).fit(*digits, observer=stop)


class StopAfterFirstStep(TrainingObserver):
    def __init__(self):
        self.steps = 0

    def on_batch_end(self, epoch, step, logs):
        self.steps += 1

    def should_stop(self):
        return self.steps >= 1


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_stop_mid_training_leaves_a_usable_model(spec, digits):
    images, labels = digits
    model = spec.build(tiny_config(spec, epochs=5), seed=0).fit(
        images, labels, validation_data=(images[:40], labels[:40]), observer=StopAfterFirstStep()
    )
    assert model.stopped_ is True
    assert len(model.history_) == 1
    assert model.predict_proba(images[:5]).shape == (5, 10)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_rejects_a_single_class_and_bad_shapes(spec, digits):
    images, labels = digits
    model = spec.build(tiny_config(spec), seed=0)
    with pytest.raises(ValueError, match="single class"):
        model.fit(images[:20], np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match="timesteps"):
        model.fit(images.reshape(len(images), -1), labels)
