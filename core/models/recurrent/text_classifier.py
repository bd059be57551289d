"""LSTM, GRU and bidirectional LSTM text classifiers that take raw strings.

The saved model is text in, probabilities out: a TextVectorization layer (lower-cased,
punctuation stripped, split on whitespace, a capped vocabulary with an unknown token)
turns each text into token ids, padded with 0 to a fixed length; an Embedding with
`mask_zero=True` hides the padding from the recurrent layers, so a short text is read as
short. Embeddings start random, or from a gensim word2vec model trained on the same
training texts (the same tokens the model sees), frozen or fine-tuned. The LSTM and GRU are
seqlab's fast layers (core/models/recurrent/fast_recurrent.py: Keras's maths and masks, every
step's input projected in one product), which trained faster than Keras's layers here
(bench/README.md, "Text models on the fast layers"); models saved with Keras's layers still load.

Training runs on token ids computed once, not on strings, so tokenising does not repeat
every epoch; the saved model wraps the vectorizer and the network together.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import setting
from core.models.classifiers import TextClassifier, as_texts
from core.models.recurrent.fast_recurrent import recurrent_layer_class
from core.models.recurrent.keras_training import (
    EPOCHS,
    LEARNING_RATE,
    KerasModelFile,
    KerasTrainingConfig,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.settings import (
    BIDIRECTIONAL,
    CELL,
    DROPOUT,
    EMBEDDING_DIM,
    EMBEDDINGS,
    LAYERS,
    UNITS,
    VOCABULARY_SIZE,
)
from core.progress import TrainingObserver

LONGEST_SEQUENCE = 400  # tokens; the automatic length never exceeds this
LENGTH_PERCENTILE = 95  # automatic length covers this share of training texts in full
WORD2VEC_EPOCHS = 10
TOKENIZE_CHUNK = 2048


@dataclass(frozen=True)
class TextRecurrentConfig(KerasTrainingConfig):
    cell: str = CELL.field("lstm")
    bidirectional: bool = BIDIRECTIONAL.field(False)
    vocabulary_size: int = VOCABULARY_SIZE.field(20_000)
    sequence_length: int = setting(
        0,
        f"Tokens read per text (longer texts are cut); 0 picks the length that covers "
        f"{LENGTH_PERCENTILE}% of training texts in full.",
        minimum=0,
        maximum=5000,
        hosted_maximum=500,
    )
    embedding_dim: int = EMBEDDING_DIM.field(64)
    embeddings: str = EMBEDDINGS.field("random")
    units: int = UNITS.field(64)
    layers: int = LAYERS.field(1)
    dropout: float = DROPOUT.field(0.3)
    # Texts give far more steps per epoch than 8x8 digits: fewer epochs, a gentler rate.
    epochs: int = EPOCHS.field(8)
    learning_rate: float = LEARNING_RATE.field(0.002)


def _tokenised_chunks(vectorizer, texts: np.ndarray):
    """Token ids of `texts`, a chunk at a time (to bound memory): arrays (chunk, length)."""
    import tensorflow as tf

    for start in range(0, len(texts), TOKENIZE_CHUNK):
        yield np.asarray(vectorizer(tf.constant(texts[start : start + TOKENIZE_CHUNK].tolist())))


def _token_ids(vectorizer, texts: np.ndarray) -> np.ndarray:
    """(texts, sequence_length) int64 ids from a vectorizer with a fixed output length."""
    return np.concatenate(list(_tokenised_chunks(vectorizer, texts)))


def _vectorizer(config: TextRecurrentConfig, texts: np.ndarray):
    """A TextVectorization adapted to `texts`, with the configured or automatic length."""
    import keras

    counter = keras.layers.TextVectorization(max_tokens=config.vocabulary_size)
    counter.adapt(texts.tolist())
    length = config.sequence_length
    if not length:
        lengths = np.concatenate(
            [np.count_nonzero(chunk, axis=1) for chunk in _tokenised_chunks(counter, texts)]
        )
        length = int(np.clip(np.percentile(lengths, LENGTH_PERCENTILE), 1, LONGEST_SEQUENCE))
    return keras.layers.TextVectorization(
        max_tokens=config.vocabulary_size,
        output_sequence_length=length,
        vocabulary=counter.get_vocabulary(include_special_tokens=False),
        name="tokens",
    )


def _word2vec_matrix(vocabulary: list[str], ids: np.ndarray, config, seed: int) -> np.ndarray:
    """Embedding rows from word2vec trained on the training texts' own tokens.

    Row 0 (padding) stays zero; a token word2vec did not learn keeps a small random vector.
    """
    from gensim.models import Word2Vec

    sentences = [[vocabulary[index] for index in row if index] for row in ids]
    word2vec = Word2Vec(
        [sentence for sentence in sentences if sentence],
        vector_size=config.embedding_dim,
        window=5,
        min_count=1,
        sg=1,
        epochs=WORD2VEC_EPOCHS,
        seed=seed,
        workers=1,  # one worker makes the vectors reproducible for a seed
    )
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.05, (len(vocabulary), config.embedding_dim)).astype(np.float32)
    matrix[0] = 0.0
    for index, token in enumerate(vocabulary):
        if index and token in word2vec.wv.key_to_index:
            matrix[index] = word2vec.wv[token]
    return matrix


class RecurrentTextClassifier(KerasModelFile, TextClassifier):
    """Embedding -> stacked LSTM/GRU (optionally bidirectional) -> softmax, from raw text."""

    config_class = TextRecurrentConfig

    def _network(self, config: TextRecurrentConfig, vocabulary_size: int, initial=None):
        """The classifier on token ids: (batch, sequence_length) -> (batch, classes)."""
        import keras

        layer_class = recurrent_layer_class(config.cell)
        ids = keras.Input(shape=(None,), dtype="int64", name="token_ids")
        hidden = keras.layers.Embedding(
            vocabulary_size,
            config.embedding_dim,
            mask_zero=True,
            embeddings_initializer="uniform"
            if initial is None
            else keras.initializers.Constant(initial),
            trainable=config.embeddings != "word2vec-frozen",
            name="embedding",
        )(ids)  # (batch, time, embedding_dim)
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

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        import keras

        keras.utils.set_random_seed(self.random_state)
        vectorizer = _vectorizer(config, X)
        ids = _token_ids(vectorizer, X)
        vocabulary = vectorizer.get_vocabulary()
        initial = None
        if config.embeddings != "random":
            initial = _word2vec_matrix(vocabulary, ids, config, self.random_state)
        with training_scope():
            network = self._network(config, len(vocabulary), initial)
        compile_classifier(network, config, config.epochs * steps_per_epoch(len(X), config))
        if validation is not None:
            validation = (_token_ids(vectorizer, validation[0]), validation[1])
        self.stopped_ = fit_with_observer(
            network, ids, y, validation, config, observer, self.history_
        )
        text = keras.Input(shape=(1,), dtype="string", name="text")
        self.model_ = keras.Model(text, network(vectorizer(text)), name=f"{config.cell}_text")

    def predict_proba(self, X) -> np.ndarray:
        texts = as_texts(X)
        ids = _token_ids(self.model_.get_layer("tokens"), texts)
        network = self.model_.get_layer("classifier")
        if len(ids) <= 64:
            # A direct call skips tracing predict()'s tf.function: a typed text answers at once.
            return np.asarray(network(ids, training=False))
        return np.asarray(network.predict(ids, batch_size=512, verbose=0))
