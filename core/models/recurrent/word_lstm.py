"""A word-level LSTM or GRU language model over the shared vocabulary.

Training reads the training documents as one stream, each document after a `<s>`, cut into
windows of `sequence_length` ids; at every step of a window the network predicts the next id
(inputs ids[t], targets ids[t+1]) with one softmax over the whole vocabulary shared by all
steps. Each window starts from a zero state (truncated backpropagation through time without
carrying state across windows), so a prediction in training sees between 1 and
`sequence_length` ids of context.

Scoring and suggestions use the same rule everywhere: the prediction after a context sees
`<s>` and the context, cut to its last `sequence_length` ids, read from a zero state. So
`log_probs` of a document gives exactly what `distribution` gives after each of its prefixes
(the first `sequence_length` positions in one pass, then one sliding window per position).
The output layer is applied in numpy in float64, from the states that feed it.

With `tie_embeddings` the output layer is the embedding matrix, transposed, plus a bias
(Press & Wolf 2017; Inan et al. 2017): a word's input and output vectors are one vector, which
saves the output layer's vocabulary x features weights and regularises it, a standard gain on
small corpora. When `units` differs from `embedding_dim`, a linear Dense layer first projects
the recurrent states to it.

Embeddings start random, or from gensim word2vec trained on the training documents' own
tokens (as the text classifiers do), frozen or fine-tuned.

The LSTM and GRU are seqlab's fast layers (core/models/recurrent/fast_recurrent.py): windows have
no padding to mask, so the LSTM runs on the compiled kernels where they were built (bench/README.md,
"Text models on the fast layers"). Models saved with Keras's layers still load.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from core.configs import setting
from core.data.vocabulary import START_ID
from core.models.language_models import LanguageModel
from core.models.recurrent.fast_recurrent import recurrent_layer_class
from core.models.recurrent.keras_training import (
    BATCH_SIZE,
    EPOCHS,
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.recurrent.vocabulary_archive import VocabularyNetworkArchive
from core.models.recurrent.word2vec_starts import word2vec_matrix
from core.models.settings import CELL, DROPOUT, EMBEDDING_DIM, EMBEDDINGS, LAYERS, UNITS
from core.progress import TrainingObserver

SCORING_BATCH = 256  # sliding windows scored per network call in log_probs
META_ENTRY = "language_model.json"


@dataclass(frozen=True)
class WordLstmConfig(KerasTrainingConfig):
    cell: str = CELL.field("lstm")
    embedding_dim: int = EMBEDDING_DIM.field(128)
    embeddings: str = EMBEDDINGS.field("random")
    units: int = UNITS.field(256)
    tie_embeddings: bool = setting(
        True,
        "Use the embedding matrix, transposed, as the output layer (plus a bias); states "
        "are projected to embedding_dim first when units differ.",
    )
    layers: int = LAYERS.field(1)
    # 0.5 is heavy, but 400k training tokens are few: 0.4 tracked it slightly worse.
    dropout: float = DROPOUT.field(0.5)
    sequence_length: int = setting(
        35,
        "Ids per training window: the longest context a prediction sees, in training and "
        "when scoring or suggesting.",
        minimum=2,
        maximum=1000,
        hosted_maximum=200,
    )
    # 64, not 128: 128 makes an epoch cheaper, but its validation perplexity after 10 epochs
    # was clearly worse on wiki-sample (bench/README.md, language_models.py).
    batch_size: int = BATCH_SIZE.field(64)
    # Validation perplexity on wiki-sample still fell at 10 epochs and flattened by 15
    # (bench/README.md, language_models.py).
    epochs: int = EPOCHS.field(15)


def _windows(documents: list[np.ndarray], length: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each (windows, length): consecutive pieces of the document stream.

    The stream is every document after a `<s>`; targets are the inputs shifted by one id.
    The last window overlaps the one before it rather than dropping the stream's tail.
    """
    stream = np.concatenate([np.concatenate([[START_ID], ids]) for ids in documents])
    predicted = len(stream) - 1
    length = min(length, predicted)
    starts = list(range(0, predicted - length + 1, length))
    if starts[-1] + length < predicted:
        starts.append(predicted - length)
    rows = np.array(starts)[:, None] + np.arange(length)  # (windows, length)
    stream = stream.astype(np.int32)
    return stream[rows], stream[rows + 1]


@cache
def _output_bias_layer() -> type:
    """The Keras layer that adds a learned bias to the tied logits (defined once, registered
    so a saved network loads in safe mode; Keras is imported only when it is needed)."""
    import keras

    @keras.saving.register_keras_serializable(package="seqlab")
    class OutputBias(keras.layers.Layer):
        def build(self, input_shape):
            self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

        def call(self, logits):
            return logits + self.bias

    return OutputBias


class WordLstmLanguageModel(VocabularyNetworkArchive, LanguageModel):
    """Embedding -> stacked LSTM/GRU -> one softmax over the vocabulary at every step.

    After `fit`, besides the `LanguageModel` attributes: `model_`, the Keras network from
    ids (batch, time) to next-id probabilities (batch, time, vocabulary).
    """

    config_class = WordLstmConfig
    meta_entry = META_ENTRY

    def _network(self, config: WordLstmConfig, initial: np.ndarray | None):
        import keras

        layer_class = recurrent_layer_class(config.cell)
        embedding_class = (
            keras.layers.ReversibleEmbedding if config.tie_embeddings else keras.layers.Embedding
        )
        embedding = embedding_class(
            len(self.vocabulary_),
            config.embedding_dim,
            embeddings_initializer="uniform"
            if initial is None
            else keras.initializers.Constant(initial),
            trainable=config.embeddings != "word2vec-frozen",
            name="embedding",
        )
        ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        hidden = embedding(ids)  # (batch, time, embedding_dim)
        hidden = keras.layers.Dropout(config.dropout)(hidden)
        for _ in range(config.layers):
            hidden = layer_class(config.units, return_sequences=True)(hidden)
            hidden = keras.layers.Dropout(config.dropout)(hidden)  # (batch, time, units)
        if config.tie_embeddings:
            if config.units != config.embedding_dim:
                hidden = keras.layers.Dense(config.embedding_dim, name="projection")(hidden)
            states = keras.layers.Identity(name="output_states")(hidden)
            tied = embedding(states, reverse=True)  # (batch, time, V): states @ embeddings.T
            logits = _output_bias_layer()(name="output_bias")(tied)
        else:
            logits = keras.layers.Dense(len(self.vocabulary_), name="logits")(hidden)
        probabilities = keras.layers.Softmax(name="next_token")(logits)  # (batch, time, V)
        return keras.Model(ids, probabilities, name=f"word_{config.cell}")

    def _fit_ids(self, config, documents, validation, observer: TrainingObserver) -> None:
        import keras

        keras.utils.set_random_seed(self.random_state)
        inputs, targets = _windows(documents, config.sequence_length)
        initial = None
        if config.embeddings != "random":
            # <unk> is id 0, which that helper treats as padding: it starts as a zero vector.
            tokens = self.vocabulary_.decode(range(len(self.vocabulary_)))
            initial = word2vec_matrix(tokens, documents, config, self.random_state)
        with training_scope():
            self.model_ = self._network(config, initial)
        compile_classifier(
            self.model_, config, config.epochs * steps_per_epoch(len(inputs), config)
        )
        if validation is not None:
            validation = _windows(validation, config.sequence_length)
        self.stopped_ = fit_with_observer(
            self.model_, inputs, targets, validation, config, observer, self.history_
        )
        self._prepare_scoring()

    def _output_layer(self):
        """(the states tensor that feeds the output layer, its kernel (features, V), its bias).

        Read from the network rather than the config, so a network saved before tying existed
        loads whatever the config's default now says.
        """
        names = {layer.name for layer in self.model_.layers}
        if "logits" in names:
            dense = self.model_.get_layer("logits")
            return (dense.input, *dense.get_weights())
        (embeddings,) = self.model_.get_layer("embedding").get_weights()
        (bias,) = self.model_.get_layer("output_bias").get_weights()
        return self.model_.get_layer("output_states").output, embeddings.T, bias

    def _prepare_scoring(self) -> None:
        """A traced function for the output layer's input states, and that layer as arrays."""
        import keras
        import tensorflow as tf

        states_tensor, kernel, bias = self._output_layer()
        states = keras.Model(self.model_.input, states_tensor)
        # One trace for every batch size and length: a call per keystroke costs no retracing.
        self._states = tf.function(
            lambda ids: states(ids, training=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
        )
        self._kernel, self._bias = kernel.astype(np.float64), bias.astype(np.float64)

    def _log_softmax(self, states: np.ndarray) -> np.ndarray:
        """Natural-log next-id probabilities, (..., V), from output states (..., features)."""
        logits = np.asarray(states, dtype=np.float64) @ self._kernel + self._bias
        logits -= logits.max(axis=-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))

    def _context_window(self, context_ids) -> np.ndarray:
        """`<s>` + the context, cut to its last sequence_length ids: (1, length) int32."""
        ids = np.concatenate([[START_ID], self._check_ids(context_ids)])
        return ids[-self.resolved_config.sequence_length :][None].astype(np.int32)

    def distribution(self, context_ids) -> np.ndarray:
        states = self._states(self._context_window(context_ids))[0, -1]  # (units,)
        return np.exp(self._log_softmax(states))

    def log_probs(self, document_ids) -> np.ndarray:
        """Each token's probability after `<s>` and the document before it, cut to the last
        sequence_length ids: what `distribution` gives after each prefix."""
        ids = self._check_ids(document_ids)
        if len(ids) == 0:
            return np.zeros(0)
        length = self.resolved_config.sequence_length
        stream = np.concatenate([[START_ID], ids]).astype(np.int32)  # stream[i] precedes ids[i]
        head = min(length, len(ids))
        # The first `head` tokens see the whole stream so far: one pass gives them all.
        first = self._log_softmax(self._states(stream[None, :head])[0])  # (head, V)
        scores = [first[np.arange(head), ids[:head]]]
        # Token i >= length sees stream[i + 1 - length : i + 1], one window each.
        for start in range(head, len(ids), SCORING_BATCH):
            positions = np.arange(start, min(start + SCORING_BATCH, len(ids)))
            rows = positions[:, None] + np.arange(1 - length, 1)  # (batch, length)
            last = self._log_softmax(self._states(stream[rows])[:, -1])  # (batch, V)
            scores.append(last[np.arange(len(positions)), ids[positions]])
        return np.concatenate(scores)

    def _read(self, path: Path) -> None:
        _output_bias_layer()  # registered before loading, for networks with tied embeddings
        super()._read(path)

    def _restore(self, meta: dict, path: Path) -> None:
        self._prepare_scoring()
