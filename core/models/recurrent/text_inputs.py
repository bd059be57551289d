"""Raw text to token ids, and the classifier around a network that reads them: what the
recurrent text classifiers (core/models/recurrent/text_classifier.py) and the convolutional
one (core/models/feedforward/text_cnn.py) share.

A TextVectorization layer (lower-cased, punctuation stripped, split on whitespace, a capped
vocabulary with an unknown token) turns each text into token ids, padded with 0 to a fixed
length. Training runs on ids computed once, not on strings, so tokenising does not repeat
every epoch; the saved model wraps the vectorizer and the network together, so it takes raw
text. Embeddings start random or from word2vec (core/models/recurrent/word2vec_starts.py),
then stay frozen or are fine-tuned.
"""

from abc import abstractmethod

import numpy as np

from core.configs import SearchRange, Setting
from core.models.classifiers import TextClassifier, as_texts
from core.models.recurrent.keras_training import (
    KerasModelFile,
    compile_classifier,
    fit_with_observer,
    steps_per_epoch,
    training_scope,
)
from core.models.recurrent.word2vec_starts import SEARCHED_SIZES, starting_embeddings
from core.progress import TrainingObserver

LONGEST_SEQUENCE = 400  # tokens; the automatic length never exceeds this
LENGTH_PERCENTILE = 95  # automatic length covers this share of training texts in full
TOKENIZE_CHUNK = 2048

SEQUENCE_LENGTH = Setting(
    f"Tokens read per text (longer texts are cut); 0 picks the length that covers "
    f"{LENGTH_PERCENTILE}% of training texts in full.",
    minimum=0,
    maximum=5000,
    hosted_maximum=500,
)
EMBEDDING_SEARCH = SearchRange(choices=SEARCHED_SIZES)  # one corpus model per size


def _tokenised_chunks(vectorizer, texts: np.ndarray):
    """Token ids of `texts`, a chunk at a time (to bound memory): arrays (chunk, length)."""
    import tensorflow as tf

    for start in range(0, len(texts), TOKENIZE_CHUNK):
        yield np.asarray(vectorizer(tf.constant(texts[start : start + TOKENIZE_CHUNK].tolist())))


def token_ids(vectorizer, texts: np.ndarray) -> np.ndarray:
    """(texts, sequence_length) int64 ids from a vectorizer with a fixed output length."""
    return np.concatenate(list(_tokenised_chunks(vectorizer, texts)))


def text_vectorizer(config, texts: np.ndarray):
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


def embedding_layer(config, vocabulary_size: int, initial: np.ndarray | None, mask_zero: bool):
    """The token embedding, started from `initial` (word2vec) when given, frozen when
    `config.embeddings` says so."""
    import keras

    return keras.layers.Embedding(
        vocabulary_size,
        config.embedding_dim,
        mask_zero=mask_zero,
        embeddings_initializer="uniform"
        if initial is None
        else keras.initializers.Constant(initial),
        trainable=not config.embeddings.endswith("-frozen"),
        name="embedding",
    )


class TokenNetworkClassifier(KerasModelFile, TextClassifier):
    """A text classifier whose network reads token ids; subclasses build the network."""

    @abstractmethod
    def _network(self, config, vocabulary_size: int, initial: np.ndarray | None):
        """The network named "classifier": (batch, sequence_length) ids -> (batch, classes)."""

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        import keras

        keras.utils.set_random_seed(self.random_state)
        vectorizer = text_vectorizer(config, X)
        ids = token_ids(vectorizer, X)
        vocabulary = vectorizer.get_vocabulary()
        initial = starting_embeddings(config, vocabulary, ids, self.random_state, observer)
        with training_scope():
            network = self._network(config, len(vocabulary), initial)
        compile_classifier(network, config, config.epochs * steps_per_epoch(len(X), config))
        if validation is not None:
            validation = (token_ids(vectorizer, validation[0]), validation[1])
        self.stopped_ = fit_with_observer(
            network, ids, y, validation, config, observer, self.history_
        )
        text = keras.Input(shape=(1,), dtype="string", name="text")
        self.model_ = keras.Model(text, network(vectorizer(text)), name="text_classifier")

    def predict_proba(self, X) -> np.ndarray:
        texts = as_texts(X)
        ids = token_ids(self.model_.get_layer("tokens"), texts)
        network = self.model_.get_layer("classifier")
        if len(ids) <= 64:
            # A direct call skips tracing predict()'s tf.function: a typed text answers at once.
            return np.asarray(network(ids, training=False))
        return np.asarray(network.predict(ids, batch_size=512, verbose=0))
