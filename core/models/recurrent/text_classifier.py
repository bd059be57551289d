"""LSTM, GRU and bidirectional LSTM text classifiers that take raw strings.

Text becomes token ids padded with 0 (core/models/recurrent/text_inputs.py); an Embedding
with `mask_zero=True` hides the padding from the recurrent layers, so a short text is read as
short. Embeddings start random or from word2vec, frozen or fine-tuned
(core/models/recurrent/word2vec_starts.py). The LSTM and GRU are seqlab's fast layers
(core/models/recurrent/fast_recurrent.py: Keras's maths and masks, every step's input
projected in one product), which trained faster than Keras's layers here (bench/README.md,
"Text models on the fast layers"); models saved with Keras's layers still load.
"""

from dataclasses import dataclass

from core.models.recurrent.fast_recurrent import recurrent_layer_class
from core.models.recurrent.keras_training import EPOCHS, LEARNING_RATE, KerasTrainingConfig
from core.models.recurrent.text_inputs import (
    EMBEDDING_SEARCH,
    SEQUENCE_LENGTH,
    TokenNetworkClassifier,
    embedding_layer,
)
from core.models.settings import (
    BIDIRECTIONAL,
    CELL,
    CLASSIFIER_EMBEDDINGS,
    DROPOUT,
    EMBEDDING_DIM,
    LAYERS,
    UNITS,
    VOCABULARY_SIZE,
)


@dataclass(frozen=True)
class TextRecurrentConfig(KerasTrainingConfig):
    cell: str = CELL.field("lstm")
    bidirectional: bool = BIDIRECTIONAL.field(False)
    vocabulary_size: int = VOCABULARY_SIZE.field(20_000)
    sequence_length: int = SEQUENCE_LENGTH.field(0)
    embedding_dim: int = EMBEDDING_DIM.field(64, search=EMBEDDING_SEARCH)
    embeddings: str = CLASSIFIER_EMBEDDINGS.field("random")
    units: int = UNITS.field(64)
    layers: int = LAYERS.field(1)
    dropout: float = DROPOUT.field(0.3)
    # Texts give far more steps per epoch than 8x8 digits: fewer epochs, a gentler rate.
    epochs: int = EPOCHS.field(8)
    learning_rate: float = LEARNING_RATE.field(0.002)


class RecurrentTextClassifier(TokenNetworkClassifier):
    """Embedding -> stacked LSTM/GRU (optionally bidirectional) -> softmax, from raw text."""

    config_class = TextRecurrentConfig

    def _network(self, config: TextRecurrentConfig, vocabulary_size: int, initial=None):
        """The classifier on token ids: (batch, sequence_length) -> (batch, classes)."""
        import keras

        layer_class = recurrent_layer_class(config.cell)
        ids = keras.Input(shape=(None,), dtype="int64", name="token_ids")
        hidden = embedding_layer(config, vocabulary_size, initial, mask_zero=True)(ids)
        # (batch, time, embedding_dim)
        hidden = keras.layers.Dropout(config.dropout)(hidden)
        for index in range(config.layers):
            # A while loop: padded texts run to LONGEST_SEQUENCE steps; unrolled, long
            # sequences take seconds to trace and train no faster.
            layer = layer_class(
                config.units, return_sequences=index < config.layers - 1, unroll=False
            )
            hidden = (
                keras.layers.Bidirectional(layer)(hidden) if config.bidirectional else layer(hidden)
            )
            hidden = keras.layers.Dropout(config.dropout)(hidden)
        outputs = keras.layers.Dense(len(self.classes_), activation="softmax")(hidden)
        return keras.Model(ids, outputs, name="classifier")
