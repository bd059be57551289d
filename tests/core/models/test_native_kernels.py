"""The compiled LSTM kernels: built once per source, TensorFlow and CPU, refused politely where
they cannot be, and their ops' own answers (tests/core/models/test_fast_recurrent.py checks the
layer against Keras's LSTM)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.models.kernels import build as native_kernels
from core.models.kernels.native_lstm import native_lstm_layer
from core.models.recurrent.lstm_recurrence import lstm_recurrence
from tests.core.helpers import require_native_kernels


@pytest.fixture
def scratch_build(tmp_path, monkeypatch):
    """The build module pointed at a copy of the source and an empty build folder."""
    source = tmp_path / "lstm_kernels.cc"
    source.write_text(native_kernels.SOURCE.read_text())
    monkeypatch.setattr(native_kernels, "SOURCE", source)
    monkeypatch.setattr(native_kernels, "BUILD_DIR", tmp_path / "build")
    return source


def test_the_library_name_follows_the_source(scratch_build):
    first = native_kernels.library_path()
    scratch_build.write_text(scratch_build.read_text() + "\n// edited\n")
    assert native_kernels.library_path() != first
    assert first.parent == native_kernels.BUILD_DIR


def test_the_library_name_follows_the_cpu(scratch_build, monkeypatch):
    first = native_kernels.library_path()
    monkeypatch.setattr(native_kernels, "_cpu_features", lambda: "flags : sse2")
    assert native_kernels.library_path() != first


def test_a_missing_compiler_is_reported_and_nothing_is_left(scratch_build, monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler-here")
    with pytest.raises(native_kernels.NativeBuildError, match="no C\\+\\+ compiler"):
        native_kernels.build_native_kernels()
    assert not native_kernels.library_path().exists()


def test_a_failing_compile_reports_the_compiler_and_leaves_no_library(scratch_build):
    scratch_build.write_text("this is not C++;\n")
    with pytest.raises(native_kernels.NativeBuildError, match="failed") as raised:
        native_kernels.build_native_kernels()
    assert "error" in str(raised.value)
    assert not native_kernels.library_path().exists()
    assert list(native_kernels.BUILD_DIR.iterdir()) == []  # no half-written file


def test_the_command_line_build_exits_0_without_a_compiler_unless_required(
    scratch_build, monkeypatch, capsys
):
    monkeypatch.setenv("CXX", "no-such-compiler-here")
    monkeypatch.setattr("sys.argv", ["core.models.kernels.build"])
    assert native_kernels.main() == 0
    assert "TensorFlow's ops" in capsys.readouterr().out
    monkeypatch.setattr("sys.argv", ["core.models.kernels.build", "--require"])
    assert native_kernels.main() == 1


def test_a_library_that_does_not_load_is_said_in_one_line_and_left_out(
    tmp_path, monkeypatch, capsys
):
    """A truncated file, or one built for another TensorFlow: training goes on without it."""
    broken = tmp_path / "lstm_kernels-broken.so"
    broken.write_bytes(b"\x7fELF not really a library")
    monkeypatch.setattr(native_kernels, "library_path", lambda: broken)
    native_kernels.native_lstm_ops.cache_clear()
    try:
        assert native_kernels.native_lstm_ops() is None
    finally:
        native_kernels.native_lstm_ops.cache_clear()
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "did not load, FastLSTM uses TensorFlow's ops" in said[0]


def test_turned_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("SEQLAB_NATIVE_KERNELS", "0")
    native_kernels.native_lstm_ops.cache_clear()
    try:
        assert native_kernels.native_lstm_ops() is None
    finally:
        native_kernels.native_lstm_ops.cache_clear()


def _weights(features: int, units: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    shapes_and_scales = [
        ((features, 4 * units), 0.3),
        ((units, 4 * units), 0.3),
        ((4 * units,), 0.1),
    ]
    return [
        (rng.normal(size=shape) * scale).astype(np.float32) for shape, scale in shapes_and_scales
    ]


@pytest.mark.parametrize("batch, time", [(3, 1), (1, 4), (7, 9)])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_the_kernels_match_the_tensorflow_recurrence(batch, time, return_sequences):
    """Against the same maths stepped in TensorFlow's ops, on sizes that split the batch
    unevenly over two threads, a single row and a single step."""
    import tensorflow as tf

    require_native_kernels()
    features, units = 5, 6
    kernel, recurrent_kernel, bias = _weights(features, units)
    inputs = tf.constant(
        np.random.default_rng(1).normal(size=(batch, time, features)).astype(np.float32)
    )

    def reference(inputs, kernel, recurrent_kernel, bias, return_sequences):
        steps = tf.einsum("btf,fg->tbg", inputs, kernel) + bias  # (time, batch, 4 * units)
        outputs = lstm_recurrence()(steps, recurrent_kernel, return_sequences)
        return tf.transpose(outputs, (1, 0, 2)) if return_sequences else outputs

    results = []
    for layer in (native_lstm_layer(), reference):
        weights = [tf.constant(value) for value in (kernel, recurrent_kernel, bias)]
        with tf.GradientTape() as tape:
            tape.watch([inputs, *weights])
            outputs = layer(inputs, *weights, return_sequences)
            # A weighted sum, so every output position has its own gradient.
            positions = tf.cast(tf.reshape(tf.range(tf.size(outputs)), outputs.shape), tf.float32)
            loss = tf.reduce_sum(outputs * tf.sin(positions / 3))
        results.append([outputs, *tape.gradient(loss, [inputs, *weights])])
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-5)


def test_the_ops_refuse_mismatched_shapes_with_a_message():
    import tensorflow as tf

    require_native_kernels()
    ops = native_kernels.native_lstm_ops()
    kernel, recurrent_kernel, bias = _weights(5, 6)
    inputs = np.zeros((2, 3, 5), dtype=np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="recurrent_kernel must be"):
        ops.seqlab_lstm_forward(inputs, kernel, recurrent_kernel[:, :-1], bias)
    with pytest.raises(tf.errors.InvalidArgumentError, match="kernel must be"):
        ops.seqlab_lstm_forward(inputs[:, :, :4], kernel, recurrent_kernel, bias)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias must be"):
        ops.seqlab_lstm_forward(inputs, kernel, recurrent_kernel, bias[:-1])
    hidden, cells, gates = ops.seqlab_lstm_forward(inputs, kernel, recurrent_kernel, bias)
    with pytest.raises(tf.errors.InvalidArgumentError, match="d_hidden must be"):
        ops.seqlab_lstm_backward(
            np.zeros((2, 2, 6), np.float32), inputs, kernel, recurrent_kernel, hidden, cells, gates
        )


def test_ops_called_from_several_threads_at_once_each_get_their_own_answer():
    """Concurrent callers (two trainings in the hosted model worker, the two directions of a
    bidirectional layer in a graph) queue their parts on the same pinned threads."""
    import tensorflow as tf

    require_native_kernels()
    layer = native_lstm_layer()
    weights = [tf.constant(value) for value in _weights(5, 6)]
    rng = np.random.default_rng(3)
    batches = [tf.constant(rng.normal(size=(9, 4, 5)).astype(np.float32)) for _ in range(8)]
    alone = [np.asarray(layer(batch, *weights, True)) for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda batch: np.asarray(layer(batch, *weights, True)), batches))
    for got, want in zip(together, alone, strict=True):
        np.testing.assert_array_equal(got, want)
