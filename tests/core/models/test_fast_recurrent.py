"""The fast LSTM/GRU layers compute exactly what Keras's do, and save and load in safe mode.

The LSTM is checked twice: on the compiled kernels (core/models/kernels/native_lstm.py) and stepped
in TensorFlow's ops (core/models/recurrent/lstm_recurrence.py), which is what runs where they were
not built.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from core.models.recurrent import fast_recurrent
from core.models.recurrent.fast_recurrent import fast_recurrent_classes
from tests.core.helpers import require_native_kernels

BATCH, TIME, FEATURES, UNITS = 5, 7, 6, 4


def _keras_class(cell: str):
    import keras

    return {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]


def _pair(cell: str, unroll: bool, bidirectional: bool, return_sequences: bool, go_backwards: bool):
    """A Keras recurrent layer and a fast one holding the Keras layer's weights."""
    import keras

    options = {"return_sequences": return_sequences, "go_backwards": go_backwards}
    reference = _keras_class(cell)(UNITS, **options)
    fast = fast_recurrent_classes()[cell](UNITS, unroll=unroll, **options)
    if bidirectional:
        reference, fast = keras.layers.Bidirectional(reference), keras.layers.Bidirectional(fast)
    inputs = np.zeros((1, TIME, FEATURES), dtype=np.float32)
    reference(inputs)
    fast(inputs)
    fast.set_weights(reference.get_weights())
    return reference, fast


def _output_and_gradients(layer, inputs, graph: bool = False):
    """The layer's outputs and the gradients of a weighted sum of them, run eagerly or, with
    `graph`, traced into a tf.function as training does."""
    import tensorflow as tf

    def run(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs)
            # A weighted sum, so every output position has its own gradient.
            weights = tf.cast(tf.range(tf.size(outputs)), tf.float32) / 10.0
            loss = tf.reduce_sum(tf.reshape(outputs, [-1]) * tf.sin(weights))
        return [outputs, *tape.gradient(loss, [inputs, *layer.trainable_weights])]

    results = (tf.function(run) if graph else run)(tf.constant(inputs))
    return [np.asarray(result) for result in results]


@pytest.fixture(params=["lstm native", "lstm tensorflow", "gru"])
def cell(request, monkeypatch):
    """A cell, and for the LSTM which implementation its unrolled layer runs on."""
    cell, _, kernels = request.param.partition(" ")
    if kernels == "native":
        require_native_kernels()
    elif kernels == "tensorflow":
        monkeypatch.setattr(fast_recurrent, "native_lstm_layer", lambda: None)
    return cell


@pytest.mark.parametrize(
    "unroll, bidirectional, return_sequences, go_backwards",
    [
        (True, False, False, False),
        (True, False, True, False),
        (True, False, False, True),
        (True, False, True, True),
        (True, True, True, False),
        (True, True, False, False),
        (False, False, True, False),
        (False, True, False, False),
    ],
)
@pytest.mark.parametrize("batch", [BATCH, 1])  # the LSTM splits a batch in two halves
def test_outputs_and_gradients_match_keras(
    cell, unroll, bidirectional, return_sequences, go_backwards, batch
):
    """Unrolled, the LSTM's backward pass is written by hand (the compiled kernels or
    core/models/recurrent/lstm_recurrence.py); unroll=False checks the autodiff while loop."""
    reference, fast = _pair(cell, unroll, bidirectional, return_sequences, go_backwards)
    inputs = np.random.default_rng(0).normal(size=(batch, TIME, FEATURES)).astype(np.float32)
    expected = _output_and_gradients(reference, inputs)
    actual = _output_and_gradients(fast, inputs)
    assert len(actual) == len(expected)
    assert actual[0].shape == expected[0].shape
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_outputs_and_gradients_match_keras_in_a_graph(cell, return_sequences):
    reference, fast = _pair(cell, True, False, return_sequences, False)
    inputs = np.random.default_rng(2).normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    expected = _output_and_gradients(reference, inputs, graph=True)
    actual = _output_and_gradients(fast, inputs, graph=True)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_seed_gives_keras_initial_weights(cell):
    """Same initialisers drawn in the same order: switching layers keeps a seed's start."""
    import keras

    keras.utils.set_random_seed(0)
    reference = _keras_class(cell)(UNITS)
    reference.build((None, TIME, FEATURES))
    keras.utils.set_random_seed(0)
    fast = fast_recurrent_classes()[cell](UNITS)
    fast.build((None, TIME, FEATURES))
    for got, want in zip(fast.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_mask_is_refused():
    import keras

    inputs = keras.Input(shape=(TIME,), dtype="int64")
    embedded = keras.layers.Embedding(10, FEATURES, mask_zero=True)(inputs)
    with pytest.raises(ValueError, match="does not support masks"):
        fast_recurrent_classes()["lstm"](UNITS)(embedded)


LOAD_IN_FRESH_PROCESS = """
import sys
import numpy as np
import keras
from core.models.recurrent.fast_recurrent import fast_recurrent_classes
fast_recurrent_classes()
model = keras.saving.load_model(sys.argv[1], safe_mode=True, compile=False)
inputs = np.load(sys.argv[2])
np.save(sys.argv[3], np.asarray(model(inputs)))
"""


def test_a_model_saves_and_loads_in_a_fresh_process_in_safe_mode(tmp_path):
    """Saved where the compiled kernels run, loaded in safe mode where they are turned off:
    the file holds the layers' configs and weights, not which kernels computed them."""
    import keras

    require_native_kernels()
    classes = fast_recurrent_classes()
    inputs = keras.Input(shape=(TIME, FEATURES))
    hidden = classes["lstm"](UNITS, return_sequences=True)(inputs)
    hidden = keras.layers.Bidirectional(classes["lstm"](UNITS, return_sequences=True))(hidden)
    hidden = keras.layers.Bidirectional(classes["gru"](UNITS, unroll=False))(hidden)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    rows = np.random.default_rng(1).normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "rows.npy", rows)
    subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_IN_FRESH_PROCESS,
            str(tmp_path / "model.keras"),
            str(tmp_path / "rows.npy"),
            str(tmp_path / "out.npy"),
        ],
        check=True,
        timeout=300,
        env={**os.environ, "SEQLAB_NATIVE_KERNELS": "0"},
    )
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), np.asarray(model(rows)), atol=1e-6)


def test_the_classifier_takes_the_fast_lstm_on_a_cpu_and_keras_lstm_beside_a_gpu(monkeypatch):
    """On a GPU Keras's LSTM runs cuDNN's fused kernel; the compiled kernels are CPU ops."""
    import keras
    import tensorflow as tf

    from core.models.recurrent.sequence_classifier import recurrent_layer_class

    assert recurrent_layer_class("lstm") is fast_recurrent_classes()["lstm"]
    assert recurrent_layer_class("gru") is fast_recurrent_classes()["gru"]
    assert recurrent_layer_class("rnn") is keras.layers.SimpleRNN
    gpu = tf.config.LogicalDevice(name="/device:GPU:0", device_type="GPU")
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [gpu])
    assert recurrent_layer_class("lstm") is keras.layers.LSTM
    assert recurrent_layer_class("gru") is fast_recurrent_classes()["gru"]
