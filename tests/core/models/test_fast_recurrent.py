"""The fast LSTM/GRU layers compute exactly what Keras's do, with and without masks, and save and
load in safe mode.

The LSTM is checked twice: on the compiled kernels (core/models/kernels/native_lstm.py) and stepped
in TensorFlow's ops (core/models/recurrent/lstm_recurrence.py), which is what runs where they were
not built. With a mask both take the same path, autodiff through TensorFlow's ops.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from core.models.recurrent import fast_recurrent
from core.models.recurrent.fast_recurrent import fast_recurrent_classes, recurrent_layer_class
from core.models.recurrent.numpy_cells import GruCell, LstmCell
from tests.core.helpers import require_native_kernels

BATCH, TIME, FEATURES, UNITS = 5, 7, 6, 4
LENGTHS = (7, 4, 1, 6, 2)  # of the right-padded rows of a masked batch of BATCH


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


def _right_padding(batch: int) -> np.ndarray:
    """(batch, TIME) booleans, False on each row's padding after its first LENGTHS steps."""
    return np.arange(TIME) < np.resize(LENGTHS, batch)[:, None]


def _output_and_gradients(layer, inputs, mask=None, graph: bool = False, any_length=False):
    """The layer's outputs and the gradients of a weighted sum of them, run eagerly or, with
    `graph`, traced into a tf.function as training does; with `any_length` too, traced for
    sequences of any length, so the layer cannot know the number of timesteps."""
    import tensorflow as tf

    def run(inputs, mask=None):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs, mask=mask)
            # A weighted sum, so every output position has its own gradient.
            weights = tf.cast(tf.range(tf.size(outputs)), tf.float32) / 10.0
            loss = tf.reduce_sum(tf.reshape(outputs, [-1]) * tf.sin(weights))
        return [outputs, *tape.gradient(loss, [inputs, *layer.trainable_weights])]

    if any_length:
        signature = [tf.TensorSpec((None, None, FEATURES)), tf.TensorSpec((None, None), tf.bool)]
        run = tf.function(run, input_signature=signature if mask is not None else signature[:1])
    elif graph:
        run = tf.function(run)
    arguments = [tf.constant(inputs)] + ([] if mask is None else [tf.constant(mask)])
    return [np.asarray(result) for result in run(*arguments)]


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


@pytest.mark.parametrize(
    "unroll, bidirectional, return_sequences, go_backwards",
    [
        (True, False, False, False),
        (True, False, True, False),
        (True, False, False, True),
        (True, False, True, True),
        (True, True, True, False),
        (True, True, False, False),
        (False, False, True, True),
        (False, True, True, False),
    ],
)
def test_masked_outputs_and_gradients_match_keras(
    cell, unroll, bidirectional, return_sequences, go_backwards
):
    """Right-padded rows of different lengths: a masked step keeps the states, and its output
    is the previous one, or zeros in a Bidirectional layer returning sequences; the padding's
    inputs, random here, get zero gradients."""
    reference, fast = _pair(cell, unroll, bidirectional, return_sequences, go_backwards)
    inputs = np.random.default_rng(3).normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    mask = _right_padding(BATCH)
    expected = _output_and_gradients(reference, inputs, mask)
    actual = _output_and_gradients(fast, inputs, mask)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_outputs_and_gradients_match_keras_in_a_graph(cell, return_sequences, masked):
    reference, fast = _pair(cell, True, False, return_sequences, False)
    inputs = np.random.default_rng(2).normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    mask = _right_padding(BATCH) if masked else None
    expected = _output_and_gradients(reference, inputs, mask, graph=True)
    actual = _output_and_gradients(fast, inputs, mask, graph=True)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("masked", [False, True])
def test_an_unrolled_layer_traced_for_any_length_loops_and_matches_keras(cell, masked):
    """Where the number of timesteps is unknown when traced, unrolling gives way to a loop."""
    reference, fast = _pair(cell, True, True, True, False)
    inputs = np.random.default_rng(4).normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    mask = _right_padding(BATCH) if masked else None
    expected = _output_and_gradients(reference, inputs, mask, any_length=True)
    actual = _output_and_gradients(fast, inputs, mask, any_length=True)
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


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_numpy_cells_step_what_keras_and_the_fast_layers_compute(cell):
    """core/models/recurrent/numpy_cells.py, stepped over a sequence, in float64 and float32."""
    reference, fast = _pair(cell, True, False, True, False)
    rng = np.random.default_rng(7)
    # Random weights, biases included: initial ones (zero biases) would hide a misplaced bias.
    reference.set_weights([rng.normal(0, 0.5, size=w.shape) for w in reference.get_weights()])
    fast.set_weights(reference.get_weights())
    inputs = rng.normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    expected = np.asarray(reference(inputs))  # (batch, time, units)
    np.testing.assert_allclose(np.asarray(fast(inputs)), expected, atol=1e-5)
    for layer in (reference, fast):
        for dtype in (np.float64, np.float32):
            numpy_cell = {"lstm": LstmCell, "gru": GruCell}[cell].from_layer(layer, dtype)
            state, hidden = numpy_cell.zero_state(BATCH), []
            for time in range(TIME):
                state = numpy_cell.step(inputs[:, time], state).state
                hidden.append(state[0])
            assert hidden[0].dtype == dtype
            np.testing.assert_allclose(np.stack(hidden, axis=1), expected, atol=1e-5)


def test_the_numpy_cells_refuse_a_layer_they_would_misread():
    import keras

    layer = keras.layers.LSTM(UNITS, activation="relu")
    layer.build((None, TIME, FEATURES))
    with pytest.raises(ValueError, match="activation"):
        LstmCell.from_layer(layer)
    with pytest.raises(ValueError, match="not a GRU"):
        lstm = fast_recurrent_classes()["lstm"](UNITS)
        lstm.build((None, TIME, FEATURES))
        GruCell.from_layer(lstm)


def _padded_text_model(classes: dict):
    """Token ids -> Embedding(mask_zero) -> LSTM -> Bidirectional GRU -> LSTM -> Dense: the
    mask is passed on from layer to layer only where each returns sequences."""
    import keras

    keras.utils.set_random_seed(5)
    ids = keras.Input(shape=(None,), dtype="int64")
    hidden = keras.layers.Embedding(10, FEATURES, mask_zero=True)(ids)
    hidden = classes["lstm"](UNITS, return_sequences=True)(hidden)
    hidden = keras.layers.Bidirectional(classes["gru"](UNITS, return_sequences=True))(hidden)
    hidden = classes["lstm"](UNITS)(hidden)
    return keras.Model(ids, keras.layers.Dense(3)(hidden))


def test_a_padded_text_model_on_the_fast_layers_predicts_what_keras_layers_do():
    import keras

    reference = _padded_text_model({"lstm": keras.layers.LSTM, "gru": keras.layers.GRU})
    fast = _padded_text_model(fast_recurrent_classes())
    fast.set_weights(reference.get_weights())
    ids = np.random.default_rng(6).integers(1, 10, size=(BATCH, TIME)) * _right_padding(BATCH)
    expected = np.asarray(reference(ids))
    np.testing.assert_allclose(np.asarray(fast(ids)), expected, atol=1e-5)
    # Padding is not read: the same rows padded further give the same outputs.
    wider = np.pad(ids, ((0, 0), (0, 3)))
    np.testing.assert_allclose(np.asarray(fast(wider)), expected, atol=1e-5)


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


def test_models_take_the_fast_layers_on_a_cpu_and_keras_lstm_beside_a_gpu(monkeypatch):
    """On a GPU Keras's LSTM runs cuDNN's fused kernel; the compiled kernels are CPU ops."""
    import keras
    import tensorflow as tf

    assert recurrent_layer_class("lstm") is fast_recurrent_classes()["lstm"]
    assert recurrent_layer_class("gru") is fast_recurrent_classes()["gru"]
    assert recurrent_layer_class("rnn") is keras.layers.SimpleRNN
    gpu = tf.config.LogicalDevice(name="/device:GPU:0", device_type="GPU")
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [gpu])
    assert recurrent_layer_class("lstm") is keras.layers.LSTM
    assert recurrent_layer_class("gru") is fast_recurrent_classes()["gru"]
