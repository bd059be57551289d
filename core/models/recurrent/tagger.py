"""Bidirectional LSTM and GRU taggers: a softmax over tags at every token.

The model takes tokens, not ids, in training and once saved: a StringLookup layer holding the
training vocabulary (id 0 is the padding token "", id 1 any unknown token) turns a batch of token
strings, padded with "" to its longest sequence, into ids; an Embedding with `mask_zero=True`
carries the padding mask through the recurrent layers and the softmax, so padding never changes a
real token's prediction and Keras leaves it out of the loss and the accuracy. On word segmentation
data a lexicon layer (core/models/recurrent/lexicon_features.py) adds, beside each character's
embedding, which training words start and end there. The LSTM and GRU are seqlab's fast layers
(core/models/recurrent/fast_recurrent.py: Keras's maths and masks), which trained faster than
Keras's layers here (bench/README.md, "Text models on the fast layers"); models saved with Keras's
layers still load. TensorFlow is imported only when a model is built or loaded.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.models.recurrent.batch_passes import train_in_passes
from core.models.recurrent.fast_recurrent import recurrent_layer_class
from core.models.recurrent.keras_training import (
    BATCH_SIZE,
    EPOCHS,
    LEARNING_RATE,
    KerasModelFile,
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.recurrent.lexicon_features import (
    PADDING_TOKEN,
    is_segmentation,
    lexicon,
    lexicon_layer_class,
)
from core.models.settings import (
    BIDIRECTIONAL,
    CELL,
    DROPOUT,
    EMBEDDING_DIM,
    LAYERS,
    UNITS,
    VOCABULARY_SIZE,
)
from core.models.taggers import Tagger, as_sequences, token_vocabulary
from core.progress import TrainingObserver

UNKNOWN_TOKEN = "[UNK]"
DIRECT_CALL_LIMIT = 64  # sequences; fewer are predicted by calling the model directly
PREDICT_BATCH = 256
LONGEST_LEXICON_WORD = 12  # characters; longer words (0.6% of wiki-sample's) are left out


@dataclass(frozen=True)
class RecurrentTaggerConfig(KerasTrainingConfig):
    cell: str = CELL.field("lstm")
    # A tag often depends on what follows.
    bidirectional: bool = BIDIRECTIONAL.field(True)
    vocabulary_size: int = VOCABULARY_SIZE.field(20_000)
    min_count: int = setting(
        2,
        "Tokens seen fewer times in training become the unknown token, so that token is "
        "trained too (a test token missing from training gets a learned vector).",
        minimum=1,
        maximum=1000,
    )
    embedding_dim: int = EMBEDDING_DIM.field(64)
    # 128 units with 64-wide embeddings segment words clearly better than 64 and 32, and a
    # second layer adds too little for its time (bench/README.md, Figures formerly in code
    # comments).
    units: int = UNITS.field(128)
    layers: int = LAYERS.field(1)
    dropout: float = DROPOUT.field(0.2)
    # 128 at 0.01 scores as well as 64 at 0.005 in about half the time per epoch.
    batch_size: int = BATCH_SIZE.field(128)
    batch_passes: int = setting(
        1,
        "Slices each batch is run in, one after another, their gradients summed: the same "
        "update as the whole batch with a fraction of its memory, in more time. Hosted mode "
        "passes at most 32 sequences at a time.",
        minimum=1,
        maximum=65_536,
        hosted_maximum=1024,
    )
    learning_rate: float = LEARNING_RATE.field(0.01)
    # Validation accuracy on wiki-sample segmentation is flat after 6 epochs.
    epochs: int = EPOCHS.field(8)
    lexicon_features: bool = setting(
        True,
        "On word segmentation data (every token one character, tag 1 = starts a word): also "
        "give the network, at each character, the lengths of the training words that start "
        "and that end there; it lifts word-boundary F1 markedly on wiki-sample segmentation. "
        "Other data, such as words tagged with parts of speech, ignores it.",
    )
    lexicon_min_count: int = setting(
        2,
        "Words seen fewer times in training stay out of the lexicon, so that the training text, "
        "like held-out text, has words the lexicon lacks.",
        minimum=1,
        maximum=1000,
    )


def _padded(sequences: list[list[str]]):
    """(sequences, longest) token strings, padded on the right with the padding token, as a
    TensorFlow string tensor: Keras fit and predict refuse NumPy arrays of text."""
    import tensorflow as tf

    width = max((len(sequence) for sequence in sequences), default=0)
    padded = np.full((len(sequences), max(width, 1)), PADDING_TOKEN, dtype=object)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = sequence
    return tf.constant(padded)


def _padded_tags(tags: list[np.ndarray], width: int) -> np.ndarray:
    """(sequences, width) tags; the padding's tag 0 is masked out of loss and accuracy."""
    padded = np.zeros((len(tags), width), dtype=np.int64)
    for row, values in enumerate(tags):
        padded[row, : len(values)] = values
    return padded


def _real_tokens(padded):
    """True at every token of padded sequences that is not padding: what the loss averages."""
    import tensorflow as tf

    return tf.not_equal(padded, PADDING_TOKEN)


class RecurrentTagger(KerasModelFile, Tagger):
    """Embedding -> stacked (bidirectional) LSTM/GRU over every token -> softmax per token."""

    config_class = RecurrentTaggerConfig

    def _network(self, config: RecurrentTaggerConfig, lookup, lexicon_layer):
        """The tagger on padded token strings: (batch, time) -> (batch, time, tags)."""
        import keras

        layer_class = recurrent_layer_class(config.cell)
        tokens = keras.Input(shape=(None,), dtype="string", name="tokens")
        hidden = keras.layers.Embedding(
            lookup.vocabulary_size(), config.embedding_dim, mask_zero=True, name="embedding"
        )(lookup(tokens))  # (batch, time, embedding_dim)
        if lexicon_layer is not None:
            # (batch, time, embedding_dim + 2 * LONGEST_LEXICON_WORD); the mask stays the
            # embedding's.
            hidden = keras.layers.Concatenate()([hidden, lexicon_layer(tokens)])
        hidden = keras.layers.Dropout(config.dropout)(hidden)
        for _ in range(config.layers):
            # A while loop: a batch of sentences of characters runs to hundreds of steps;
            # unrolled, long sequences take seconds to trace and train no faster.
            layer = layer_class(config.units, return_sequences=True, unroll=False)
            hidden = (
                keras.layers.Bidirectional(layer)(hidden) if config.bidirectional else layer(hidden)
            )  # (batch, time, units or 2 * units)
            hidden = keras.layers.Dropout(config.dropout)(hidden)
        outputs = keras.layers.Dense(len(self.tags_), activation="softmax")(hidden)
        return keras.Model(tokens, outputs, name=f"{config.cell}_tagger")

    def _fit_checked(self, config, sequences, tags, validation, observer: TrainingObserver):
        import keras

        keras.utils.set_random_seed(self.random_state)
        vocabulary = [
            token
            for token in token_vocabulary(sequences, config.vocabulary_size, config.min_count)
            if token not in (PADDING_TOKEN, UNKNOWN_TOKEN)
        ]
        lookup = keras.layers.StringLookup(
            vocabulary=vocabulary, mask_token=PADDING_TOKEN, oov_token=UNKNOWN_TOKEN, name="lookup"
        )
        lexicon_layer = None
        if config.lexicon_features and is_segmentation(sequences, tags):
            lexicon_layer = lexicon_layer_class()(
                lexicon(sequences, tags, config.lexicon_min_count, LONGEST_LEXICON_WORD),
                LONGEST_LEXICON_WORD,
                name="lexicon",
            )
        with training_scope():
            self.model_ = self._network(config, lookup, lexicon_layer)
        padded = _padded(sequences)
        compile_classifier(
            self.model_, config, config.epochs * steps_per_epoch(len(padded), config)
        )
        if config.batch_passes > 1:
            train_in_passes(self.model_, config.batch_passes, _real_tokens)
        if validation is not None:
            validation_padded = _padded(validation[0])
            validation = (
                validation_padded,
                _padded_tags(validation[1], validation_padded.shape[1]),
            )
        self.stopped_ = fit_with_observer(
            self.model_,
            padded,
            _padded_tags(tags, padded.shape[1]),
            validation,
            config,
            observer,
            self.history_,
        )

    def _read(self, path) -> None:
        lexicon_layer_class()  # registers the lexicon layer, which safe mode must know by name
        super()._read(path)
        self.tags_ = np.arange(self.model_.output_shape[-1])

    def predict_proba(self, sequences) -> list[np.ndarray]:
        sequences = as_sequences(sequences)
        if not sequences:
            return []
        padded = _padded(sequences)
        if len(padded) <= DIRECT_CALL_LIMIT:
            # A direct call skips tracing predict()'s tf.function: a typed sentence answers at once.
            probabilities = np.asarray(self.model_(padded, training=False))
        else:
            probabilities = self.model_.predict(padded, batch_size=PREDICT_BATCH, verbose=0)
        return [
            rows[: len(sequence)] for rows, sequence in zip(probabilities, sequences, strict=True)
        ]
