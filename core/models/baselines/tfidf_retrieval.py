"""The reply baseline: answer a message with the reply of the most similar training message.

"Maybe all a product needs is text similarity": the training messages are indexed as TF-IDF
vectors; a new message's answer is the reply its nearest training message got, shown with
that message and their cosine similarity, so a user sees why it answered as it did.

Scoring candidate replies (the 1-of-10 evaluation) works in one of two ways:
- `message-reply` (default): the cosine similarity of the message and the candidate itself,
  the TF-IDF baseline of Lowe et al. (2015), which rewards replies that repeat the message's
  words. On the movie dialogs' validation pairs it ranked best, ahead of nearest-messages at
  every k tried; on chatterbot's 146 the two were within noise (bench/README.md, Figures
  formerly in code comments).
- `nearest-messages`: a candidate scores the similarity-weighted sum of its cosine
  similarities to the replies of the k training messages nearest the new message. A reply
  like the ones similar messages received ranks high, even when it shares no word with the
  message ("how old are you?" -> "twenty-five").
Both use one vectorizer fitted on the training messages and replies. The model saves plain
arrays (np.savez, no pickle): the vectorizer's terms and weights and the training pairs.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.errors import TrainingStopped
from core.metrics.ranking import validation_recall
from core.models.baselines.tfidf_features import TfidfConfig, TfidfFeatures, top_similar
from core.models.repliers import Replier, Response, checked_candidates
from core.models.string_arrays import pack_strings, unpack_strings
from core.progress import TrainingObserver

SCORINGS = ("nearest-messages", "message-reply")


@dataclass(frozen=True)
class TfidfRetrievalConfig(TfidfConfig):
    candidate_scoring: str = setting(
        "message-reply",
        "How a candidate reply is rated: nearest-messages compares it with the replies of "
        "the training messages most like the message; message-reply compares it with the "
        "message itself (Lowe et al. 2015's TF-IDF baseline).",
        choices=SCORINGS,
    )
    neighbours: int = setting(
        20,
        "k: how many of the most similar training messages lend their replies "
        "(nearest-messages scoring).",
        minimum=1,
        maximum=1000,
        hosted_maximum=200,
    )


class TfidfRetrieval(Replier):
    """TF-IDF nearest-message retrieval over the training pairs."""

    config_class = TfidfRetrievalConfig
    artifact_suffix = ".npz"

    def _fit_checked(self, config, messages, replies, validation, observer: TrainingObserver):
        observer.on_train_begin(1, 1)
        if observer.should_stop():
            raise TrainingStopped("Stopped before the training messages were indexed.")
        started = time.perf_counter()
        self.features_ = TfidfFeatures(config)
        self.features_.fit_transform(np.asarray(messages + replies, dtype=object))
        self._index(messages, replies)
        logs = {}
        if validation is not None:
            logs = validation_recall(self, *validation, seed=self.random_state)
        record = {"epoch": 1, "complete": True, **logs, "seconds": time.perf_counter() - started}
        self.history_.append(record)
        observer.on_batch_end(1, 1, logs)
        observer.on_epoch_end(1, record)

    def _index(self, messages: list[str], replies: list[str]) -> None:
        """The training pairs and their TF-IDF rows, as fitting and loading both need."""
        self.train_messages_, self.train_replies_ = messages, replies
        self.message_matrix_ = self._vectors(messages)
        self.reply_matrix_ = self._vectors(replies)

    def _vectors(self, texts):
        return self.features_.transform(np.asarray(list(texts), dtype=object))

    def score(self, messages, candidates) -> np.ndarray:
        width = checked_candidates(messages, candidates)
        if not len(messages):
            return np.zeros((0, width))
        queries = self._vectors(messages)
        flat = self._vectors(text for row in candidates for text in row)  # (n * width, terms)
        if self.resolved_config.candidate_scoring == "message-reply":
            rows = np.repeat(np.arange(len(messages)), width)
            return np.asarray(flat.multiply(queries[rows]).sum(axis=1)).reshape(-1, width)
        indices, similarities = top_similar(
            queries, self.message_matrix_, self.resolved_config.neighbours
        )
        weights = np.clip(similarities, 0.0, None)  # (n, k)
        scores = np.empty((len(messages), width))
        for row in range(len(messages)):
            lent = self.reply_matrix_[indices[row]]  # (k, terms): the neighbours' replies
            block = flat[row * width : (row + 1) * width]
            scores[row] = (block @ lent.T).toarray() @ weights[row]
        return scores

    def respond(self, message: str, k: int = 3) -> list[Response]:
        """The replies of the k most similar training messages that share a term with it."""
        indices, similarities = top_similar(self._vectors([message]), self.message_matrix_, k)
        return [
            Response(self.train_replies_[index], float(similarity), self.train_messages_[index])
            for index, similarity in zip(indices[0], similarities[0], strict=True)
            if similarity > 0
        ]

    def count_params(self) -> int:
        """The stored numbers: every non-zero weight of the indexed messages and replies."""
        return int(self.message_matrix_.nnz + self.reply_matrix_.nnz)

    def _write(self, path: Path) -> None:
        messages, message_ends = pack_strings(self.train_messages_)
        replies, reply_ends = pack_strings(self.train_replies_)
        with open(path, "wb") as stream:
            np.savez_compressed(
                stream,
                messages=messages,
                message_ends=message_ends,
                replies=replies,
                reply_ends=reply_ends,
                **self.features_.arrays(),
            )

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.features_ = TfidfFeatures.from_arrays(self.resolved_config, arrays)
            messages = unpack_strings(arrays["messages"], arrays["message_ends"])
            replies = unpack_strings(arrays["replies"], arrays["reply_ends"])
        self._index(messages, replies)
