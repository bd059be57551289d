"""A convolutional text classifier after Kim (2014), "Convolutional Neural Networks for
Sentence Classification": token embeddings, parallel convolutions of a few widths with ReLU,
the strongest response of each filter anywhere in the text (max over time), dropout, softmax.

Each filter is an n-gram detector that does not care where its n-gram occurs, the
inductive bias that lets it beat recurrent networks on short texts at a fraction of their
cost. Raw text in, like the recurrent text classifiers (core/models/recurrent/text_inputs.py).

Padding cannot fool the max: texts are padded with id 0 to a fixed length and Conv1D takes no
mask, so the padding's embedding is multiplied by 0, each convolution sees `width - 1` zeros
beyond both ends (Kim's wide convolution: a 2-word text still fills a window of 5), and
windows that hold no real token are multiplied by 0 after the ReLU. Every remaining window
sees the same tokens and zeros however much padding follows, and the ReLU's outputs are at
least 0, so the max is the same for a text padded to 20 tokens or to 400.
"""

from dataclasses import dataclass

from core.configs import SearchRange, setting
from core.models.recurrent.keras_training import EPOCHS, LEARNING_RATE, KerasTrainingConfig
from core.models.recurrent.text_inputs import (
    EMBEDDING_SEARCH,
    SEQUENCE_LENGTH,
    TokenNetworkClassifier,
    embedding_layer,
)
from core.models.settings import CLASSIFIER_EMBEDDINGS, EMBEDDING_DIM, VOCABULARY_SIZE

# Kim's 3,4,5 and neighbours; the widest, 7 tokens, is cheap, so no hosted bound is needed.
WIDTHS = ("1,2,3", "2,3,4", "3,4,5", "2,3,4,5", "3,5,7")


@dataclass(frozen=True)
class TextCnnConfig(KerasTrainingConfig):
    vocabulary_size: int = VOCABULARY_SIZE.field(20_000)
    sequence_length: int = SEQUENCE_LENGTH.field(0)
    embedding_dim: int = EMBEDDING_DIM.field(128, search=EMBEDDING_SEARCH)
    embeddings: str = CLASSIFIER_EMBEDDINGS.field("random")
    widths: str = setting(
        "3,4,5",
        "Widths, in tokens, of the parallel convolutions: each width looks for n-grams of "
        "that many words.",
        choices=WIDTHS,
        search=SearchRange(choices=WIDTHS),
    )
    filters: int = setting(
        100,
        "Filters per width: each learns one n-gram pattern and keeps its strongest match in "
        "the text.",
        minimum=1,
        maximum=1024,
        hosted_maximum=512,
        search=SearchRange(32, 256, log=True),
    )
    dropout: float = setting(
        0.5,
        "Share of the pooled features dropped in training, before the softmax.",
        minimum=0.0,
        maximum=0.9,
        search=SearchRange(0.0, 0.7),
    )
    epochs: int = EPOCHS.field(10)
    learning_rate: float = LEARNING_RATE.field(0.001)


def widths_of(config: TextCnnConfig) -> list[int]:
    return [int(width) for width in config.widths.split(",")]


class TextCnnClassifier(TokenNetworkClassifier):
    """Embedding -> parallel Conv1D + ReLU -> max over time -> dropout -> softmax, from raw text."""

    config_class = TextCnnConfig

    def _network(self, config: TextCnnConfig, vocabulary_size: int, initial=None):
        """The classifier on token ids: (batch, sequence_length) -> (batch, classes)."""
        import keras
        from keras import layers

        ids = keras.Input(shape=(None,), dtype="int64", name="token_ids")
        real = keras.ops.expand_dims(
            keras.ops.cast(keras.ops.not_equal(ids, 0), "float32"), -1
        )  # (batch, time, 1)
        embedded = embedding_layer(config, vocabulary_size, initial, mask_zero=False)(ids)
        embedded = embedded * real  # (batch, time, embedding_dim), zero at padding
        pooled = []
        for width in widths_of(config):
            edges = layers.ZeroPadding1D((width - 1, width - 1))
            responses = layers.Conv1D(
                config.filters, width, activation="relu", name=f"convolution_{width}"
            )(edges(embedded))  # (batch, time + width - 1, filters)
            # 1 where the window holds a real token: its maximum over the window's positions.
            holds_text = layers.MaxPooling1D(width, strides=1)(edges(real))
            pooled.append(layers.GlobalMaxPooling1D()(responses * holds_text))  # (batch, filters)
        features = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
        features = layers.Dropout(config.dropout)(features)
        outputs = layers.Dense(len(self.classes_), activation="softmax")(features)
        return keras.Model(ids, outputs, name="classifier")
