"""SimpleRNN, LSTM and GRU classifiers that read an image row by row, one row per timestep.

The network: per-feature standardisation (learned from the training rows and saved inside the
model) -> stacked recurrent layers (optionally bidirectional, dropout between them) -> a
softmax over classes, trained with softmax cross entropy. Dropout sits between layers, not
inside the recurrence, so Keras can keep its fused cuDNN kernels where a GPU exists.
TensorFlow is imported only when a model is built or loaded.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.errors import TrainingStopped
from core.models.base import SequenceClassifier
from core.progress import TrainingObserver

CELLS = ("rnn", "lstm", "gru")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("cosine", "constant")
DIRECT_CALL_LIMIT = 64


@dataclass(frozen=True)
class RecurrentConfig:
    cell: str = setting("lstm", "Recurrent cell type.", choices=CELLS)
    units: int = setting(128, "Hidden units per recurrent layer.", minimum=1, maximum=2048)
    layers: int = setting(
        2,
        "Stacked recurrent layers; a second layer is what lifts digits past 0.98.",
        minimum=1,
        maximum=8,
    )
    bidirectional: bool = setting(False, "Also read the rows bottom to top.")
    dropout: float = setting(0.2, "Dropout after each recurrent layer.", minimum=0.0, maximum=0.9)
    optimizer: str = setting("adam", "Optimiser.", choices=OPTIMIZERS)
    learning_rate: float = setting(0.003, "Optimiser step size.", minimum=1e-6, maximum=10.0)
    learning_rate_schedule: str = setting(
        "cosine",
        "cosine decays the step size to zero over all epochs, which settles training "
        "far more reliably than a constant one.",
        choices=SCHEDULES,
    )
    batch_size: int = setting(32, "Examples per optimisation step.", minimum=1, maximum=65_536)
    epochs: int = setting(40, "Passes over the training set.", minimum=1, maximum=10_000)
    early_stopping_patience: int = setting(
        0,
        "Stop after this many epochs without a better validation loss and keep the best "
        "weights; 0 (the default) turns it off: the validation split is small, so its loss "
        "is noisy and stopped good runs too early in tuning.",
        minimum=0,
        maximum=10_000,
    )


def _observer_callback(observer: TrainingObserver, history: list, steps_per_epoch: int):
    """A Keras callback that forwards progress to `observer` and applies its stop request."""
    import keras

    class ObserverCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.stopped = False
            if observer.should_stop():
                raise TrainingStopped("Stopped before the first batch.")

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()
            self.last_step = 0

        def on_train_batch_end(self, batch, logs=None):
            self.last_step = batch + 1
            observer.on_batch_end(len(history) + 1, self.last_step, _plain(logs))
            if observer.should_stop():
                self.stopped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            record = {
                "epoch": epoch + 1,
                "complete": self.last_step == steps_per_epoch,
                **_plain(logs),
                "seconds": time.perf_counter() - self.epoch_started,
            }
            history.append(record)
            observer.on_epoch_end(epoch + 1, record)

    return ObserverCallback()


def _plain(logs) -> dict:
    return {name: float(value) for name, value in (logs or {}).items()}


class RecurrentClassifier(SequenceClassifier):
    """A stacked SimpleRNN/LSTM/GRU over timesteps with a softmax on the last state."""

    config_class = RecurrentConfig
    artifact_suffix = ".keras"

    def _build(self, config: RecurrentConfig, X: np.ndarray, steps_per_epoch: int):
        import keras

        layer_class = {
            "rnn": keras.layers.SimpleRNN,
            "lstm": keras.layers.LSTM,
            "gru": keras.layers.GRU,
        }[config.cell]
        normalization = keras.layers.Normalization(axis=-1, name="standardize")
        normalization.adapt(X.reshape(-1, X.shape[2]))  # statistics per feature, over all rows
        inputs = keras.Input(shape=X.shape[1:], name="rows")  # (batch, time, features)
        hidden = normalization(inputs)
        for index in range(config.layers):
            layer = layer_class(config.units, return_sequences=index < config.layers - 1)
            hidden = (
                keras.layers.Bidirectional(layer)(hidden) if config.bidirectional else layer(hidden)
            )
            hidden = keras.layers.Dropout(config.dropout)(hidden)
        outputs = keras.layers.Dense(len(self.classes_), activation="softmax")(hidden)
        model = keras.Model(inputs, outputs, name=f"{config.cell}_classifier")
        optimizer = {
            "adam": keras.optimizers.Adam,
            "rmsprop": keras.optimizers.RMSprop,
            "sgd": keras.optimizers.SGD,
        }[config.optimizer]
        learning_rate = config.learning_rate
        if config.learning_rate_schedule == "cosine":
            learning_rate = keras.optimizers.schedules.CosineDecay(
                config.learning_rate, decay_steps=config.epochs * steps_per_epoch
            )
        model.compile(
            optimizer=optimizer(learning_rate=learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        import keras

        keras.utils.set_random_seed(self.random_state)
        steps_per_epoch = -(-len(X) // config.batch_size)
        self.model_ = self._build(config, X, steps_per_epoch)
        observer.on_train_begin(config.epochs, steps_per_epoch)
        progress = _observer_callback(observer, self.history_, steps_per_epoch)
        callbacks = [progress]
        if config.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if validation is not None else "loss",
                    patience=config.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        self.model_.fit(
            X,
            y,
            validation_data=validation,
            batch_size=config.batch_size,
            epochs=config.epochs,
            callbacks=callbacks,
            verbose=0,
        )
        self.stopped_ = progress.stopped

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if len(X) <= DIRECT_CALL_LIMIT:
            # A direct call skips tracing predict()'s tf.function: one drawing answers at once.
            return np.asarray(self.model_(X, training=False))
        return np.asarray(self.model_.predict(X, batch_size=512, verbose=0))

    def count_params(self) -> int:
        return int(self.model_.count_params())

    def _write(self, path: Path) -> None:
        self.model_.save(path)

    def _read(self, path: Path) -> None:
        import keras

        # safe_mode refuses files that would deserialise arbitrary Python code (lambdas).
        self.model_ = keras.saving.load_model(path, safe_mode=True, compile=False)
