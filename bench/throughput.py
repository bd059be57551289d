"""Training throughput of one LSTM(128) or GRU(128) layer on MNIST-shaped data, against PyTorch.

Random rows shaped like MNIST read row by row (28 steps x 28 features, 10 classes), batch 128,
2 threads (`--threads`) for TensorFlow (intra- and inter-op) and PyTorch. Rows, per cell:

- keras fit: the reference, Input -> LSTM/GRU(128) -> Dense(10, softmax), Adam, sparse
  categorical cross entropy, `model.fit` on the arrays;
- seqlab: what `RecurrentClassifier` builds (standardisation -> recurrent layer -> softmax)
  with one 128-unit layer, no dropout, Adam at 0.001, trained by seqlab's own `fit_with_observer`
  (tf.data pipeline, progress callback). Its layers are core/models/recurrent/fast_recurrent.py's;
  the LSTM runs on the compiled kernels where `make native` built them (the header says whether it
  did);
- seqlab, TensorFlow ops (LSTM only): the same with the kernels turned off, the maths stepped
  in TensorFlow's ops (core/models/recurrent/lstm_recurrence.py), as where no compiler was found;
- seqlab, Keras's layer: the same network and fit with keras.layers.LSTM/GRU, so that the
  difference from "seqlab" is the layer alone;
- seqlab, batch 32: "seqlab" at seqlab's default batch size (on the same samples, so
  samples/s compare);
- pytorch: nn.LSTM/nn.GRU + Linear, Adam, cross entropy, in a `.venv-bench` subprocess
  (bench/torch_worker.py; `make bench-env` creates it), with 2 threads and with 1;
  "x pytorch" divides by the faster of the two.

Each row warms up with one epoch, then the rows take turns (ABCABC...) for `--repeats`
epochs so that load from other jobs falls on all alike; the table has the median samples/s.

    .venv/bin/python bench/throughput.py [--cells lstm gru] [--repeats 11] [--samples 2560]
                                         [--threads 2] [--knobs] [--by-batch]
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.models.kernels.build import native_lstm_ops  # noqa: E402
from core.models.recurrent import fast_recurrent  # noqa: E402
from core.models.recurrent.fast_recurrent import fast_recurrent_classes  # noqa: E402
from core.models.recurrent.keras_training import fit_with_observer  # noqa: E402
from core.models.recurrent.sequence_classifier import RecurrentClassifier, RecurrentConfig  # noqa: E402
from core.progress import TrainingObserver  # noqa: E402

TIMESTEPS, FEATURES, CLASSES, UNITS, BATCH = 28, 28, 10, 128, 128
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
REFERENCE = "keras fit"


def keras_fit_row(layer, by_batch: bool = False, **compile_options):
    """One epoch of `model.fit` (or of `train_on_batch` batch by batch, which skips fit's
    set-up) for Input -> layer -> Dense(10, softmax), compiled with `compile_options`
    (jit_compile, steps_per_execution) beside the defaults."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(TIMESTEPS, FEATURES))
    outputs = keras.layers.Dense(CLASSES, activation="softmax")(layer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", **compile_options)

    def epoch(rows, labels) -> float:
        started = time.perf_counter()
        if by_batch:
            for start in range(0, len(rows), BATCH):
                model.train_on_batch(rows[start : start + BATCH], labels[start : start + BATCH])
        else:
            model.fit(rows, labels, batch_size=BATCH, epochs=1, verbose=0)
        return time.perf_counter() - started

    return epoch


def on_tensorflow_ops(epoch):
    """The row `epoch` with FastLSTM stepping its recurrence in TensorFlow's ops, as where the
    compiled kernels were not built (the layer chooses when its graph is traced, during the
    row's first epoch, so every epoch runs under the switch)."""

    def epoch_on_tensorflow_ops(rows, labels) -> float:
        with mock.patch.object(fast_recurrent, "native_lstm_layer", lambda: None):
            return epoch(rows, labels)

    return epoch_on_tensorflow_ops


def seqlab_row(cell: str, batch_size: int = BATCH, keras_layer=None):
    """One epoch of RecurrentClassifier's network, trained the way seqlab trains it; with
    `keras_layer` on that layer instead of seqlab's."""
    import keras

    config = RecurrentConfig(
        cell=cell,
        units=UNITS,
        layers=1,
        dropout=0.0,
        batch_size=batch_size,
        epochs=1,
        learning_rate=0.001,
        learning_rate_schedule="constant",
    )
    classifier = RecurrentClassifier(config=config)
    classifier.classes_ = np.arange(CLASSES)
    model = None

    def epoch(rows, labels) -> float:
        nonlocal model
        if model is None:
            keras.utils.set_random_seed(0)
            layers = {cell: keras_layer} if keras_layer else {}
            with mock.patch.dict(fast_recurrent_classes(), layers):
                model = classifier._build(config, rows)
        started = time.perf_counter()
        fit_with_observer(model, rows, labels, None, config, TrainingObserver(), [])
        return time.perf_counter() - started

    return epoch


class TorchRow:
    """A bench/torch_worker.py process: one epoch per `run` line, its seconds printed back."""

    def __init__(self, cell: str, data_path: Path, threads: int):
        self.process = subprocess.Popen(
            [str(BENCH_PYTHON), str(ROOT / "bench" / "torch_worker.py"), cell, str(data_path)]
            + [str(BATCH), str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("bench/torch_worker.py did not start; see its error above.")

    def __call__(self, rows, labels) -> float:
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def torch_version() -> str:
    if not BENCH_PYTHON.exists():
        return "not installed"
    command = [str(BENCH_PYTHON), "-c", "import torch; print(torch.__version__)"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def measure(
    cell: str, rows, labels, repeats: int, knobs: bool, threads: int, by_batch: bool
) -> dict[str, list[float]]:
    """Seconds per epoch of every row, the rows taking turns; `knobs` adds the variants that
    bench/README.md records as tried; `by_batch` trains the Keras rows by train_on_batch."""
    import keras

    fast = fast_recurrent_classes()[cell]
    keras_layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    runners = {
        REFERENCE: keras_fit_row(keras_layer(UNITS), by_batch),
        "seqlab": seqlab_row(cell),
    }
    if cell == "lstm":
        runners["seqlab, TensorFlow ops"] = on_tensorflow_ops(seqlab_row(cell))
    runners |= {
        "seqlab, Keras's layer": seqlab_row(cell, keras_layer=keras_layer),
        "seqlab, batch 32": seqlab_row(cell, batch_size=32),
    }
    if knobs:  # on TensorFlow's ops: XLA cannot compile the kernels' ops
        runners |= {
            "fast, autodiff while loop": keras_fit_row(fast(UNITS, unroll=False), by_batch),
            "fast, XLA": on_tensorflow_ops(keras_fit_row(fast(UNITS), jit_compile=True)),
            "fast, 10 steps/execution": keras_fit_row(fast(UNITS), steps_per_execution=10),
        }
    torch_rows = []
    with tempfile.TemporaryDirectory() as folder:
        if BENCH_PYTHON.exists():
            data_path = Path(folder) / "data.npz"
            np.savez(data_path, rows=rows, labels=labels, units=UNITS, classes=CLASSES)
            # PyTorch's OpenMP threads spin while they wait, which costs it dearly when other
            # jobs share the cores: one thread is often faster then, so both are measured.
            for torch_threads in sorted({threads, 1}, reverse=True):
                name = f"pytorch, {torch_threads} thread{'s' * (torch_threads > 1)}"
                runners[name] = TorchRow(cell, data_path, torch_threads)
                torch_rows.append(runners[name])
        try:
            for runner in runners.values():
                if runner not in torch_rows:  # the workers warmed up before saying "ready"
                    runner(rows, labels)
            seconds = {name: [] for name in runners}
            for _ in range(repeats):
                for name, runner in runners.items():
                    seconds[name].append(runner(rows, labels))
        finally:
            for torch_row in torch_rows:
                torch_row.close()
    return seconds


def print_table(cell: str, seconds: dict[str, list[float]], samples: int) -> None:
    """Median samples/s of every row, over the faster PyTorch row and over the reference."""
    rates = {name: samples / statistics.median(values) for name, values in seconds.items()}
    torch_rates = [rate for name, rate in rates.items() if name.startswith("pytorch")]
    print(f"\n{cell}\n{'row':26} {'samples/s':>10} {'x pytorch':>10} {'x keras fit':>12}")
    for name, rate in rates.items():
        versus_torch = f"{rate / max(torch_rates):10.2f}" if torch_rates else f"{'-':>10}"
        print(f"{name:26} {rate:10,.0f} {versus_torch} {rate / rates[REFERENCE]:12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    parser.add_argument("--repeats", type=int, default=11, help="timed epochs per row")
    parser.add_argument("--samples", type=int, default=20 * BATCH, help="samples per epoch")
    parser.add_argument("--threads", type=int, default=2, help="TensorFlow's and PyTorch's")
    parser.add_argument(
        "--knobs",
        action="store_true",
        help="add the autodiff while loop, XLA and steps-per-execution rows",
    )
    parser.add_argument(
        "--by-batch",
        action="store_true",
        help="train the Keras rows by train_on_batch, not fit (with --samples 128, the rows "
        "take turns one step at a time)",
    )
    arguments = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(arguments.threads)
    tf.config.threading.set_inter_op_parallelism_threads(arguments.threads)
    import keras

    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, PyTorch {torch_version()}; "
        f"batch {BATCH}, {arguments.threads} threads, {arguments.samples:,} samples an epoch, "
        f"median of {arguments.repeats} interleaved epochs; "
        f"load average {os.getloadavg()[0]:.1f} at start; compiled LSTM kernels "
        f"{'built' if native_lstm_ops() is not None else 'NOT built (make native)'}"
    )
    if not BENCH_PYTHON.exists():
        print("# no PyTorch rows: `make bench-env` creates .venv-bench with torch==2.13.0 (CPU)")
    rng = np.random.default_rng(0)
    rows = rng.random((arguments.samples, TIMESTEPS, FEATURES), dtype=np.float32)
    labels = rng.integers(0, CLASSES, arguments.samples)
    for cell in arguments.cells:
        seconds = measure(
            cell,
            rows,
            labels,
            arguments.repeats,
            arguments.knobs,
            arguments.threads,
            arguments.by_batch,
        )
        print_table(cell, seconds, arguments.samples)
    print(f"\n# load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
