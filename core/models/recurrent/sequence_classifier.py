"""SimpleRNN, LSTM and GRU classifiers that read an image row by row, one row per timestep.

The network: per-feature standardisation (learned from the training rows and saved inside the model)
-> stacked recurrent layers (optionally bidirectional, dropout between them) -> a softmax over
classes, trained with softmax cross entropy. Dropout sits between layers, not inside the recurrence.
The LSTM and GRU layers are core/models/recurrent/fast_recurrent.py's: Keras's maths with every
row's input projection in one product, unrolled over the fixed number of rows. The LSTM runs on this
machine's compiled kernels where `make` built them (the whole layer in one op each way), which is
what takes its training past PyTorch's nn.LSTM on a CPU (bench/README.md, throughput.py); elsewhere
it steps the same maths in TensorFlow's ops, still faster than Keras's LSTM; beside a GPU it is
Keras's LSTM, which runs cuDNN there. The fast GRU trains faster than Keras's GRU through
seqlab's fit (bench/README.md, throughput.py). A saved model holds the layers' weights, not
the kernels, so it loads with or without them; models saved with Keras's LSTM or GRU still
load. TensorFlow is imported only when a model is built or loaded.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.models.classifiers import SequenceClassifier
from core.models.recurrent.fast_recurrent import recurrent_layer_class
from core.models.recurrent.keras_training import (
    KerasModelFile,
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.settings import BIDIRECTIONAL, DROPOUT, LAYERS, UNITS
from core.progress import TrainingObserver

CELLS = ("rnn", "lstm", "gru")
DIRECT_CALL_LIMIT = 64


@dataclass(frozen=True)
class RecurrentConfig(KerasTrainingConfig):
    cell: str = setting("lstm", "Recurrent cell type.", choices=CELLS)
    units: int = UNITS.field(128)
    # A second layer is what lifts digits past the accuracy target.
    layers: int = LAYERS.field(2)
    bidirectional: bool = BIDIRECTIONAL.field(False)
    dropout: float = DROPOUT.field(0.2)


class RecurrentClassifier(KerasModelFile, SequenceClassifier):
    """A stacked SimpleRNN/LSTM/GRU over timesteps with a softmax on the last state."""

    config_class = RecurrentConfig

    def _build(self, config: RecurrentConfig, X: np.ndarray):
        import keras

        layer_class = recurrent_layer_class(config.cell)
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
        compile_classifier(model, config, config.epochs * steps_per_epoch(len(X), config))
        return model

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        import keras

        keras.utils.set_random_seed(self.random_state)
        with training_scope():
            self.model_ = self._build(config, X)
        self.stopped_ = fit_with_observer(
            self.model_, X, y, validation, config, observer, self.history_
        )

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if len(X) <= DIRECT_CALL_LIMIT:
            # A direct call skips tracing predict()'s tf.function: one drawing answers at once.
            return np.asarray(self.model_(X, training=False))
        return np.asarray(self.model_.predict(X, batch_size=512, verbose=0))
