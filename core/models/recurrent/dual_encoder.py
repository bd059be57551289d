"""The LSTM dual encoder of Lowe et al. (2015), "The Ubuntu Dialogue Corpus".

One embedding and one LSTM (shared, as in the paper) read a message into a vector c and a
reply into a vector r, (batch, units) each; a learned matrix M rates the pair with the logit
c^T M r, which `score` returns (higher is better). Training needs replies that do not fit:
- `in-batch` (default): every other reply of a batch is a negative for its message, and a
  softmax over the batch's replies picks the true one ((batch, batch) logits, the true pairs
  on the diagonal). Each epoch reshuffles the batches, so negatives keep changing.
- `random-pairs`: the paper's 1:1 set, each pair beside its message with a random training
  reply, labelled 1 and 0, with binary cross-entropy on sigmoid(c^T M r); drawn once.
In-batch is the default because each message meets 255 negatives per step instead of one, for
the same encoder passes; random-pairs was not measured on the movie dialogs (two full trainings
did not fit the time set for this), so that choice rests on the literature, not on our numbers.

`respond` ranks a pool of distinct training replies whose encodings are computed once after
training and saved with the model: the `response_pool` most frequent ones (ties in order of
first appearance), to bound memory (20,000 x 128 floats is 10 MB).
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.models.recurrent.keras_training import (
    EPOCHS,
    LEARNING_RATE,
    compile_classifier,
    fit_with_observer,
    read_archive_arrays,
    steps_per_epoch,
    training_scope,
)
from core.models.recurrent.reply_tokens import (
    ReplyTextConfig,
    build_vocabulary,
    checked_message,
    epoch_recall,
    token_ids,
)
from core.models.recurrent.vocabulary_archive import VocabularyNetworkArchive
from core.models.repliers import Replier, Response, checked_candidates
from core.models.settings import DROPOUT, EMBEDDING_DIM, UNITS
from core.progress import TrainingObserver

NEGATIVES = ("in-batch", "random-pairs")
META_ENTRY = "dual_encoder.json"
ENCODE_BATCH = 512  # texts encoded per network call


@dataclass(frozen=True)
class DualEncoderConfig(ReplyTextConfig):
    negatives: str = setting(
        "in-batch",
        "in-batch: the batch's other replies are the negatives, softmax over the batch; "
        "random-pairs: Lowe et al.'s 1:1 random negatives with binary cross-entropy.",
        choices=NEGATIVES,
    )
    embedding_dim: int = EMBEDDING_DIM.field(128)
    # 128 units matched 256 on movie-dialog validation in less time (bench/README.md, replies.py).
    units: int = UNITS.field(128)
    dropout: float = DROPOUT.field(0.2)
    response_pool: int = setting(
        20_000,
        "Distinct training replies `respond` chooses from, the most frequent first.",
        minimum=1,
        maximum=1_000_000,
        hosted_maximum=50_000,
    )
    # A larger batch gives each message more negatives to be told apart from.
    batch_size: int = setting(
        256, "Pairs per optimisation step.", minimum=2, maximum=65_536, hosted_maximum=1024
    )
    epochs: int = EPOCHS.field(6)
    # 0.01: at 0.003 the in-batch loss barely moved in the first epoch.
    learning_rate: float = LEARNING_RATE.field(0.01)


def _in_batch_loss(_, logits):
    """Softmax cross entropy over a batch's replies, the true reply of row i in column i."""
    import keras

    labels = keras.ops.arange(keras.ops.shape(logits)[0])
    return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)


class DualEncoder(VocabularyNetworkArchive, Replier):
    """A shared embedding + LSTM encoder for messages and replies, rated by c^T M r.

    After `fit`: `vocabulary_`, `model_` (the Keras network from (message ids, reply ids) to
    the pair's logit), `pool_` (the replies `respond` ranks) and `pool_encodings_`.
    """

    config_class = DualEncoderConfig
    meta_entry = META_ENTRY

    def _network(self, config: DualEncoderConfig):
        """(message ids, reply ids) -> (batch, 1) logits c^T M r, plus the (batch, batch)
        logits of every message against every reply in the batch, for in-batch training."""
        import keras

        embedding = keras.layers.Embedding(
            len(self.vocabulary_) + 1, config.embedding_dim, mask_zero=True, name="embedding"
        )
        ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        hidden = keras.layers.Dropout(config.dropout)(embedding(ids))  # (batch, time, dim)
        encoding = keras.layers.LSTM(config.units, name="lstm")(hidden)  # (batch, units)
        encoding = keras.layers.Dropout(config.dropout)(encoding)
        encoder = keras.Model(ids, encoding, name="encoder")
        messages = keras.Input(shape=(None,), dtype="int32", name="message_ids")
        replies = keras.Input(shape=(None,), dtype="int32", name="reply_ids")
        # c M, (batch, units): the bilinear form's matrix as a Dense layer without bias.
        transformed = keras.layers.Dense(config.units, use_bias=False, name="bilinear")(
            encoder(messages)
        )
        encoded_replies = encoder(replies)
        logit = keras.layers.Dot(axes=1, name="logit")([transformed, encoded_replies])
        pairs = keras.Model([messages, replies], logit, name="dual_encoder")
        batch_logits = keras.ops.matmul(transformed, keras.ops.transpose(encoded_replies))
        return pairs, keras.Model([messages, replies], batch_logits)

    def _fit_checked(self, config, messages, replies, validation, observer: TrainingObserver):
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.vocabulary_ = build_vocabulary(messages + replies, config.vocabulary_size)
        message_ids = self._message_ids(messages)
        reply_ids = self._reply_ids(replies)
        with training_scope():
            self.model_, in_batch = self._network(config)
        self._prepare_inference()
        if config.negatives == "in-batch":
            network, loss = in_batch, _in_batch_loss
            inputs, labels = [message_ids, reply_ids], np.zeros(len(messages), dtype=np.int32)
        else:
            network = self.model_
            loss = keras.losses.BinaryCrossentropy(from_logits=True)
            negatives = np.random.default_rng(self.random_state).integers(
                0, len(replies), len(replies)
            )
            inputs = [
                np.concatenate([message_ids, message_ids]),
                np.concatenate([reply_ids, reply_ids[negatives]]),
            ]
            labels = np.repeat(np.array([1.0, 0.0], dtype=np.float32), len(replies))
        compile_classifier(
            network,
            config,
            config.epochs * steps_per_epoch(len(labels), config),
            loss=loss,
            metrics=(),
        )
        self.stopped_ = fit_with_observer(
            network,
            inputs,
            labels,
            None,
            config,
            observer,
            self.history_,
            epoch_metrics=epoch_recall(self, validation),
        )
        self._index_pool(replies)

    def _message_ids(self, messages) -> np.ndarray:
        return token_ids(self.vocabulary_, messages, self.resolved_config.message_tokens, True)

    def _reply_ids(self, replies) -> np.ndarray:
        return token_ids(self.vocabulary_, replies, self.resolved_config.reply_tokens)

    def _prepare_inference(self) -> None:
        """A traced encoder (one trace for every batch and length) and M as an array."""
        import tensorflow as tf

        encoder = self.model_.get_layer("encoder")
        self._encode = tf.function(
            lambda ids: encoder(ids, training=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
        )
        self._encode.get_concrete_function()  # traced now, not at the first message

    def _encodings(self, ids: np.ndarray) -> np.ndarray:
        """(texts, units) encodings of id rows, ENCODE_BATCH at a time."""
        return np.concatenate(
            [
                np.asarray(self._encode(ids[start : start + ENCODE_BATCH]))
                for start in range(0, len(ids), ENCODE_BATCH)
            ]
        )

    def _queries(self, messages) -> np.ndarray:
        """c M for each message, (messages, units): what a reply's encoding is dotted with."""
        (matrix,) = self.model_.get_layer("bilinear").get_weights()
        return self._encodings(self._message_ids(messages)) @ matrix

    def _index_pool(self, replies: list[str]) -> None:
        """The distinct replies `respond` ranks, most frequent first, and their encodings."""
        counts = Counter(replies)
        pool = sorted(counts, key=lambda reply: -counts[reply])  # stable: first seen first
        self.pool_ = pool[: self.resolved_config.response_pool]
        self.pool_encodings_ = self._encodings(self._reply_ids(self.pool_))

    def score(self, messages, candidates) -> np.ndarray:
        """The logit c^T M r of every candidate r for its message c, (messages, candidates)."""
        width = checked_candidates(messages, candidates)
        for message in messages:
            checked_message(message)
        if not len(messages):
            return np.zeros((0, width))
        flat = [reply for row in candidates for reply in row]
        encoded = self._encodings(self._reply_ids(flat)).reshape(len(messages), width, -1)
        return np.einsum("nu,nku->nk", self._queries(messages), encoded)

    def respond(self, message: str, k: int = 3) -> list[Response]:
        """The k pooled training replies with the highest logits for the message, best first."""
        scores = self.pool_encodings_ @ self._queries([checked_message(message)])[0]
        best = np.argsort(-scores, kind="stable")[:k]
        return [Response(self.pool_[index], float(scores[index])) for index in best]

    def _extra_meta(self) -> dict:
        return {"pool": self.pool_}

    def _extra_arrays(self) -> dict:
        return {"pool_encodings": self.pool_encodings_}

    def _restore(self, meta: dict, path: Path) -> None:
        self.pool_ = meta["pool"]
        self.pool_encodings_ = read_archive_arrays(path)["pool_encodings"]
        self._prepare_inference()
