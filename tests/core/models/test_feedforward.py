"""The networks without recurrence: the multilayer perceptron and the CNN over image rows.

The protocol every model follows is checked in test_model_protocol.py; here, what is their own.
"""

import numpy as np
import pytest

from core.configs import validate
from core.errors import InvalidConfig
from core.models.feedforward.mlp import MlpSequenceClassifier, MlpTextClassifier, forward
from core.models.registry import model_spec
from core.progress import TrainingObserver
from tests.core.helpers import digits_slice, polarity_texts, tiny_config


def test_the_numpy_forward_pass_is_scikit_learns_for_two_classes_and_more():
    """Predictions after loading are the NumPy pass over the saved layers: it must agree with
    MLPClassifier, whose output for two classes is one logistic unit, not a softmax."""
    from sklearn.neural_network import MLPClassifier

    X, y = digits_slice(120)
    X = X.reshape(len(X), -1)
    for labels in (y % 2, y):
        network = MLPClassifier((6, 5), max_iter=5, random_state=0).partial_fit(
            X, labels, classes=np.unique(labels)
        )
        np.testing.assert_allclose(
            forward(network.coefs_, network.intercepts_, X), network.predict_proba(X), atol=1e-5
        )


class EpochCounter(TrainingObserver):
    """Asks to stop after `epochs` epochs."""

    def __init__(self, epochs: int):
        self.epochs, self.seen = epochs, 0

    def on_epoch_end(self, epoch, logs):
        self.seen = epoch

    def should_stop(self):
        return self.seen >= self.epochs


def test_the_perceptron_reports_every_epoch_and_stops_between_them():
    X, y = digits_slice(200)
    spec = model_spec("sequence-classification", "mlp")
    model = MlpSequenceClassifier(tiny_config(spec, epochs=5), random_state=0)
    model.fit(X[:150], y[:150], validation_data=(X[150:], y[150:]), observer=EpochCounter(3))
    assert model.stopped_ is True
    assert [record["epoch"] for record in model.history_] == [1, 2, 3]
    keys = {"complete", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert all(keys <= set(record) for record in model.history_)
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]


def test_the_text_perceptrons_first_layer_has_one_input_per_kept_term():
    texts, labels = polarity_texts()
    spec = model_spec("text-classification", "mlp")
    config = tiny_config(spec, max_features=40, features="words+characters", layers=2)
    model = MlpTextClassifier(config, random_state=0).fit(texts, labels)
    assert model.features_.term_count == 80  # 40 of each kind: the vocabulary is larger
    assert [layer.shape for layer in model.coefs_] == [(80, 8), (8, 8), (8, 1)]


def test_a_shared_server_bounds_the_perceptrons_size():
    spec = model_spec("text-classification", "mlp")
    for setting, value in (("units", 1024), ("layers", 3), ("max_features", 100_000)):
        config = spec.config_with({setting: value})
        with pytest.raises(InvalidConfig, match=rf"{setting} must be at most .* \(hosted mode\)"):
            validate(config, hosted=True)


def test_filters_taller_than_the_images_are_refused_with_what_fits():
    X, y = digits_slice(60)
    spec = model_spec("sequence-classification", "cnn")
    model = spec.build(tiny_config(spec, widths="3,5,7"), seed=0)
    with pytest.raises(InvalidConfig, match="at least 7 rows; these have 6"):
        model.fit(X[:, :6], y)


def test_the_row_cnn_runs_one_convolution_per_width_side_by_side():
    X, y = digits_slice(60)
    spec = model_spec("sequence-classification", "cnn")
    model = spec.build(tiny_config(spec, widths="2,3,4", filters=5, epochs=1), seed=0)
    model.fit(X, y)
    kernels = [w.shape for w in model.model_.weights if w.name == "kernel"]
    assert [tuple(shape) for shape in kernels] == [(2, 8, 5), (3, 8, 5), (4, 8, 5), (15, 10)]
