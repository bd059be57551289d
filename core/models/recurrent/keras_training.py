"""What every Keras classifier shares: training settings, compiling, and fitting with progress.

The image RNNs and the text RNNs differ in their layers only; the optimiser, learning-rate
schedule, early stopping, and the bridge from Keras callbacks to a `TrainingObserver` (live
progress, a stop between batches that keeps the partial model) live here once.
Networks are built and compiled inside `training_scope()` and fitted on `tf.data` datasets,
so the same code trains under whichever `tf.distribute` strategy the process chose
(core/models/recurrent/distribution.py); `batch_size` is the global batch, split across the devices.
TensorFlow is imported only inside the functions.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import SearchRange, Setting, setting
from core.errors import TrainingStopped
from core.models.recurrent.distribution import (
    active_strategy,
    any_worker,
    multi_worker,
    strategy_name,
)
from core.models.recurrent.fast_recurrent import fast_recurrent_classes
from core.progress import TrainingObserver

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("cosine", "constant")


LEARNING_RATE = Setting(
    "Optimiser step size.", minimum=1e-6, maximum=10.0, search=SearchRange(3e-4, 1e-2, log=True)
)
BATCH_SIZE = Setting(
    "Training examples per optimisation step.",
    minimum=1,
    maximum=65_536,
    hosted_maximum=1024,
    search=SearchRange(choices=(32, 64, 128)),
)
EPOCHS = Setting("Passes over the training data.", minimum=1, maximum=10_000)


@dataclass(frozen=True)
class KerasTrainingConfig:
    """Optimisation settings; model configs extend it with their layers."""

    optimizer: str = setting("adam", "Optimiser.", choices=OPTIMIZERS)
    learning_rate: float = LEARNING_RATE.field(0.003)
    learning_rate_schedule: str = setting(
        "cosine",
        "cosine decays the step size to zero over all epochs, which settles training "
        "far more reliably than a constant one.",
        choices=SCHEDULES,
    )
    batch_size: int = BATCH_SIZE.field(32)
    epochs: int = EPOCHS.field(40)
    early_stopping_patience: int = setting(
        0,
        "Stop after this many epochs without a better validation loss and keep the best "
        "weights; 0 (the default) turns it off: the validation split is small, so its loss "
        "is noisy and stopped good runs too early in tuning.",
        minimum=0,
        maximum=10_000,
    )


def _observer_callback(
    observer: TrainingObserver, history: list, steps_per_epoch: int, epoch_metrics=None
):
    """A Keras callback that forwards progress to `observer` and applies its stop request;
    `epoch_metrics()`, if given, adds its metrics to every epoch's record."""
    import keras

    class ObserverCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.stopped = False
            if any_worker(observer.should_stop()):
                raise TrainingStopped("Stopped before the first batch.")

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()
            self.last_step = 0

        def on_train_batch_end(self, batch, logs=None):
            self.last_step = batch + 1
            observer.on_batch_end(len(history) + 1, self.last_step, _plain(logs))
            if any_worker(observer.should_stop()):
                self.stopped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            record = {
                "epoch": epoch + 1,
                "complete": self.last_step == steps_per_epoch,
                **_plain(logs),
                **(epoch_metrics() if epoch_metrics else {}),
                "seconds": time.perf_counter() - self.epoch_started,
            }
            history.append(record)
            observer.on_epoch_end(epoch + 1, record)

    return ObserverCallback()


def _plain(logs) -> dict:
    return {name: float(value) for name, value in (logs or {}).items()}


def steps_per_epoch(examples: int, config: KerasTrainingConfig) -> int:
    return -(-examples // config.batch_size)


@contextmanager
def training_scope() -> Iterator[None]:
    """Build and compile a network inside this, so its variables (and the optimiser's) are
    placed by the process's distribution strategy: mirrored on every device it trains on."""
    with active_strategy().scope():
        yield


def _dataset(X, y: np.ndarray, batch_size: int, shuffle: bool):
    """(X, y) as a `tf.data` dataset of global batches, which `fit` splits across devices.

    The training set is reshuffled every epoch with a seed drawn from NumPy's generator
    (which `keras.utils.set_random_seed` seeded), so a run repeats with its seed.

    tf.data's autotuning is off: with it, many epochs of a `fit` stalled at the epoch's
    iterator, long enough to nearly double a short epoch, with Keras's LSTM as well
    (bench/README.md, throughput.py and Figures formerly in code comments); and the batches
    here are slices of arrays in memory, with nothing to tune. Two batches are prepared ahead.
    """
    import tensorflow as tf

    inputs = tuple(X) if isinstance(X, list) else X  # a model with several inputs
    dataset = tf.data.Dataset.from_tensor_slices((inputs, y))
    if shuffle:
        seed = int(np.random.randint(2**31 - 1))
        dataset = dataset.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.batch(batch_size).prefetch(2).with_options(options)


def _logs_as_vectors(step):
    """`step` with every log value reshaped from a scalar to shape (1,)."""

    def step_with_vector_logs(data):
        import tensorflow as tf

        return {name: tf.reshape(value, [1]) for name, value in step(data).items()}

    return step_with_vector_logs


@contextmanager
def _fit_context(model, X, y) -> Iterator[None]:
    """Where `model.fit` runs: as it is on one device; under a distribution strategy with
    the work-arounds Keras 3.15 needs (checked with mirrored on two logical CPUs and with two
    local workers). Its first-batch build averages the batch's PerReplica values ("MEAN"),
    which fails for text (a tagger's tokens: AddN of strings), for a batch split unevenly
    (a word LSTM's last validation batch: 6 rows on one device, 5 on the other) and always
    under multi-worker. So:

    - mirrored: the model, its loss, metrics and optimiser are built here, in the strategy's
      scope, from the shapes of two training examples, and Keras's first-batch build is
      skipped;
    - multi-worker: the model (already built by its Input) forgets its strategy and `fit`
      runs inside the strategy's scope, where Keras finds the same strategy again; and as
      Keras reduces each step's logs with `strategy.reduce("MEAN", value, axis=0)`, which
      fails on a scalar, training and validation steps return their logs as shape (1,).
    Predictions after `fit`, outside the scope, then run on the local copy.
    """
    if strategy_name() == "default":
        yield
        return
    if not multi_worker():
        inputs = [part[:2] for part in X] if isinstance(X, list) else X[:2]
        with active_strategy().scope():
            model._symbolic_build(data_batch=(inputs, y[:2]))
        model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
        yield
        return
    model.train_step = _logs_as_vectors(model.train_step)
    model.test_step = _logs_as_vectors(model.test_step)
    model._distribute_strategy = None
    with active_strategy().scope():
        yield


def compile_classifier(
    model,
    config: KerasTrainingConfig,
    total_steps: int,
    loss="sparse_categorical_crossentropy",
    metrics: tuple = ("accuracy",),
) -> None:
    """Softmax cross entropy (or another loss) with the configured optimiser and learning-rate
    schedule, compiled inside `training_scope()` like the network it compiles."""
    import keras

    optimizer = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }[config.optimizer]
    learning_rate = config.learning_rate
    if config.learning_rate_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=total_steps
        )
    with training_scope():
        model.compile(
            optimizer=optimizer(learning_rate=learning_rate),
            loss=loss,
            metrics=list(metrics),
        )


def fit_with_observer(
    model,
    X: np.ndarray,
    y: np.ndarray,
    validation: tuple | None,
    config: KerasTrainingConfig,
    observer: TrainingObserver,
    history: list[dict],
    epoch_metrics=None,
) -> bool:
    """Fit a compiled model (built in `training_scope`), reporting to `observer`; returns True
    if a stop ended it early.

    `X` may be a list of arrays for a model with several inputs; `epoch_metrics()`, if given,
    is measured after every epoch (a replier's validation recall) and kept in its record.
    """
    import keras

    steps = steps_per_epoch(len(y), config)
    observer.on_train_begin(config.epochs, steps)
    progress = _observer_callback(observer, history, steps, epoch_metrics)
    callbacks = [progress]
    if config.early_stopping_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if validation is not None else "loss",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            )
        )
    with _fit_context(model, X, y):
        model.fit(
            _dataset(X, y, config.batch_size, shuffle=True),
            validation_data=(
                _dataset(*validation, config.batch_size, shuffle=False)
                if validation is not None
                else None
            ),
            epochs=config.epochs,
            shuffle=False,  # the dataset shuffles itself
            callbacks=callbacks,
            verbose=0,
        )
    return progress.stopped


class KerasModelFile:
    """Mixin for classifiers whose fitted state is one Keras model in `model_`: its size and
    its `.keras` file, loaded in safe mode."""

    artifact_suffix = ".keras"

    def count_params(self) -> int:
        return int(self.model_.count_params())

    def _write(self, path: Path) -> None:
        self.model_.save(path)

    def _read(self, path: Path) -> None:
        self.model_ = load_network(path)


def load_network(path) -> object:
    """A saved Keras network, loaded in safe mode, which refuses files that would deserialise
    arbitrary Python code (lambdas) and must know seqlab's recurrent layers by name."""
    import keras

    fast_recurrent_classes()  # registers them
    return keras.saving.load_model(path, safe_mode=True, compile=False)


NETWORK_ENTRY = "model.keras"
ARRAYS_ENTRY = "arrays.npz"


def write_network_archive(
    path: Path, network, meta_entry: str, meta: dict, arrays: dict | None = None
) -> None:
    """One zip holding a Keras network as a .keras file and, as JSON, what else a model needs
    (config, vocabulary, history), with any `arrays` as an .npz entry: no pickle anywhere."""
    import io
    import json
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as directory:
        saved = Path(directory) / NETWORK_ENTRY
        network.save(saved)
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(saved, NETWORK_ENTRY)
            archive.writestr(meta_entry, json.dumps(meta))
            if arrays is not None:
                stream = io.BytesIO()
                np.savez(stream, **arrays)
                archive.writestr(ARRAYS_ENTRY, stream.getvalue())


def read_network_archive(path: Path, meta_entry: str) -> tuple[object, dict]:
    """The network (see `load_network`) and the JSON written by `write_network_archive`."""
    import json
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as directory, zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read(meta_entry))
        saved = archive.extract(NETWORK_ENTRY, directory)
        return load_network(saved), meta


def read_archive_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays `write_network_archive` stored beside the network (no pickle allowed)."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as archive:
        stream = io.BytesIO(archive.read(ARRAYS_ENTRY))
    with np.load(stream, allow_pickle=False) as arrays:
        return dict(arrays)
