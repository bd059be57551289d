"""Interpolated Kneser-Ney word n-grams: the baseline a neural language model must beat.

Counts are kept per order n as a sorted array of keys `history_id * V + word`, where
`history_id` is the row of the (n-1)-word history in the order n-1 array (the empty history
is row 0) and V the vocabulary size. The n-grams following one history are thus a contiguous
run found by bisection, and `distribution` costs a few bisections and O(order x V) numpy work.

P(w | h) = max(c(h w) - D, 0) / c(h .) + D * N1+(h .) / c(h .) * P(w | h minus its first word),
down to a uniform distribution over the vocabulary, so every word has a non-zero
probability in every context, and a history never seen backs off to the shorter one.
c is the raw count at the highest order and the continuation count N1+(. h w), the number of
distinct words seen before `h w`, below it (Chen & Goodman, 1998), except for n-grams that
start with `<s>`: nothing can precede them, so they keep their raw counts (as KenLM does).
The discount D of each order is n1 / (n1 + 2 n2) from the counts of n-grams seen once and
twice at that order (Ney et al., 1994), or 0.75 when there are too few counts to estimate it.
"""

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.data.vocabulary import START_ID, Vocabulary
from core.errors import TrainingStopped
from core.models.language_models import LanguageModel
from core.progress import TrainingObserver

FALLBACK_DISCOUNT = 0.75  # the usual fixed discount, when n1 or n2 is 0 (tiny corpora)


@dataclass(frozen=True)
class NgramConfig:
    order: int = setting(
        3, "n: words per n-gram, the predicted one included (3 = trigram).", minimum=2, maximum=5
    )


class KneserNeyLanguageModel(LanguageModel):
    """Interpolated Kneser-Ney over the whole `vocabulary_`; the seed is unused (counting is
    deterministic).

    After `fit`, besides the `LanguageModel` attributes: `order_` (the order in use: the
    configured one, or lower if a stop cut counting short), `discounts_` (D of orders
    1..order_), and per order `ngram_keys_` and `ngram_counts_`.
    """

    config_class = NgramConfig
    artifact_suffix = ".npz"

    def _fit_ids(self, config, documents, validation, observer: TrainingObserver) -> None:
        """Count the n-grams of each document, orders 1, 2, ... in turn (one step each).

        A stop between orders leaves a complete model of the orders counted so far; a stop
        before the first raises TrainingStopped. The one history record's `loss` is the
        mean negative log probability of the training tokens (log perplexity), like a
        neural model's training loss.
        """
        started = time.perf_counter()
        observer.on_train_begin(1, config.order)
        self.ngram_keys_: list[np.ndarray] = []
        self.ngram_counts_: list[np.ndarray] = []
        tokens, offsets = self._padded_stream(documents, config.order)
        real = offsets >= config.order - 1
        window_ids = None
        for order in range(1, config.order + 1):
            if observer.should_stop():
                if order == 1:
                    raise TrainingStopped("Stopped before any n-gram was counted.")
                self.stopped_ = True
                break
            window_ids = self._count_order(order, tokens, offsets, real, window_ids)
            logs = {"order": order, "ngrams": len(self.ngram_keys_[-1])}
            observer.on_batch_end(1, order, logs)
        self.order_ = len(self.ngram_keys_)
        self.discounts_ = np.array([self._discount(counts) for counts in self.ngram_counts_])
        self._index()
        logs = {"order": self.order_, "ngrams": self.count_params()}
        logs["loss"] = float(np.log(self.perplexity(documents)))
        if validation is not None:
            logs["val_loss"] = float(np.log(self.perplexity(validation)))
        logs["seconds"] = time.perf_counter() - started
        record = {"epoch": 1, "complete": not self.stopped_, **logs}
        self.history_.append(record)
        observer.on_epoch_end(1, record)

    @staticmethod
    def _padded_stream(documents: list[np.ndarray], order: int) -> tuple[np.ndarray, np.ndarray]:
        """All documents, each after order-1 `<s>`; and each token's offset in its document."""
        padding = np.full(order - 1, START_ID, dtype=np.int64)
        tokens = np.concatenate([np.concatenate([padding, ids]) for ids in documents])
        offsets = np.concatenate([np.arange(order - 1 + len(ids)) for ids in documents])
        return tokens, offsets

    def _count_order(self, order, tokens, offsets, real, shorter_ids) -> np.ndarray:
        """Add the counts of `order`; return the row of each window of this length (or -1).

        A window is `order` consecutive tokens of one padded document; all of them are kept
        (those ending in padding as histories only, with count 0). The order below switches
        from raw to continuation counts now that the words before its n-grams are known.
        """
        vocabulary_size = len(self.vocabulary_)
        inside = offsets >= order - 1
        if order == 1:
            window_keys = tokens[inside]
        else:  # the window ending at j is the shorter one ending at j - 1, then token j
            previous = np.flatnonzero(inside) - 1
            window_keys = shorter_ids[previous] * vocabulary_size + tokens[inside]
        keys, rows = np.unique(window_keys, return_inverse=True)
        window_ids = np.full(len(tokens), -1, dtype=np.int64)
        window_ids[inside] = rows
        self.ngram_keys_.append(keys)
        self.ngram_counts_.append(np.bincount(window_ids[real], minlength=len(keys)))
        if order > 1:
            self._to_continuation_counts(order - 1, tokens, real, shorter_ids, window_ids)
        return window_ids

    def _to_continuation_counts(self, order, tokens, real, window_ids, longer_ids) -> None:
        """Counts of `order` become N1+(. h w): distinct longer n-grams ending in `h w`.

        The window of length `order` ending at a position is the suffix of the longer one.
        """
        ends = np.flatnonzero(real)
        suffix_of = np.empty(len(self.ngram_keys_[order]), dtype=np.int64)
        suffix_of[longer_ids[ends]] = window_ids[ends]
        continuation = np.bincount(
            suffix_of[np.unique(longer_ids[ends])], minlength=len(self.ngram_keys_[order - 1])
        )
        begins_with_start = np.zeros(len(continuation), dtype=bool)
        begins_with_start[window_ids[ends]] = tokens[ends - order + 1] == START_ID
        counts = self.ngram_counts_[order - 1]
        self.ngram_counts_[order - 1] = np.where(begins_with_start, counts, continuation)

    @staticmethod
    def _discount(counts: np.ndarray) -> float:
        once, twice = np.count_nonzero(counts == 1), np.count_nonzero(counts == 2)
        return once / (once + 2 * twice) if once and twice else FALLBACK_DISCOUNT

    def _index(self) -> None:
        """Per history row: the total count and the number of distinct words that follow it."""
        vocabulary_size = len(self.vocabulary_)
        self._totals, self._types = [], []
        for order, (keys, counts) in enumerate(
            zip(self.ngram_keys_, self.ngram_counts_, strict=True), 1
        ):
            histories = keys // vocabulary_size
            size = len(self.ngram_keys_[order - 2]) if order > 1 else 1
            self._totals.append(np.bincount(histories, weights=counts, minlength=size))
            self._types.append(
                np.bincount(histories, weights=(counts > 0).astype(float), minlength=size)
            )

    def _lookup(self, order: int, keys: np.ndarray) -> np.ndarray:
        """Rows of `keys` in the order-`order` array; -1 where absent."""
        table = self.ngram_keys_[order - 1]
        rows = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return np.where(table[rows] == keys, rows, -1)

    def _history_rows(self, contexts: np.ndarray) -> list[np.ndarray]:
        """For order 1..order_, the row of each context's last order-1 ids (-1 if unseen).

        `contexts` is (positions, order_ - 1), already padded with `<s>` on the left.
        """
        vocabulary_size = len(self.vocabulary_)
        rows = [np.zeros(len(contexts), dtype=np.int64)]
        for order in range(2, self.order_ + 1):
            history = np.zeros(len(contexts), dtype=np.int64)
            for column in range(self.order_ - order, self.order_ - 1):
                keys = np.maximum(history, 0) * vocabulary_size + contexts[:, column]
                history = np.where(
                    history >= 0, self._lookup(column - self.order_ + order + 1, keys), -1
                )
            rows.append(history)
        return rows

    def _context_matrix(self, ids: np.ndarray, extra: int) -> np.ndarray:
        """(len(ids) + extra, order_ - 1): row i holds the order_-1 ids before position i.

        Positions before the first id read `<s>`, as at the start of a training document.
        """
        padded = np.concatenate([np.full(self.order_ - 1, START_ID, dtype=np.int64), ids])
        rows = len(ids) + extra
        contexts = np.empty((rows, self.order_ - 1), dtype=np.int64)
        for column in range(self.order_ - 1):
            contexts[:, column] = padded[column : column + rows]
        return contexts

    def _contexts(self, context_ids) -> np.ndarray:
        """The last order_-1 ids as a (1, order_-1) array, padded with `<s>` on the left."""
        ids = self._check_ids(context_ids)
        return self._context_matrix(ids[max(len(ids) - self.order_ + 1, 0) :], 1)[-1:]

    def _probabilities(self, contexts: np.ndarray, words: np.ndarray) -> np.ndarray:
        """P(words[i] | contexts[i]) for each position i, interpolating orders 1..order_."""
        probabilities = np.full(len(words), 1.0 / len(self.vocabulary_))
        for order, history in enumerate(self._history_rows(contexts), 1):
            known = np.maximum(history, 0)
            total = np.where(history >= 0, self._totals[order - 1][known], 0.0)
            rows = self._lookup(order, known * len(self.vocabulary_) + words)
            counts = np.where((rows >= 0) & (history >= 0), self.ngram_counts_[order - 1][rows], 0)
            discount = self.discounts_[order - 1]
            interpolated = (
                np.maximum(counts - discount, 0)
                + discount * self._types[order - 1][known] * probabilities
            ) / np.maximum(total, 1)
            probabilities = np.where(total > 0, interpolated, probabilities)
        return probabilities

    def distribution(self, context_ids) -> np.ndarray:
        """P(next id | context) over the whole vocabulary (float64, sums to 1).

        Only the last order_-1 ids matter; a shorter context is the start of a document.
        """
        vocabulary_size = len(self.vocabulary_)
        probabilities = np.full(vocabulary_size, 1.0 / vocabulary_size)
        for order, history in enumerate(self._history_rows(self._contexts(context_ids)), 1):
            row = int(history[0])
            total = self._totals[order - 1][row] if row >= 0 else 0.0
            if total == 0:  # unseen history: longer ones are unseen too
                break
            keys = self.ngram_keys_[order - 1]
            start, end = np.searchsorted(keys, [row * vocabulary_size, (row + 1) * vocabulary_size])
            discount = self.discounts_[order - 1]
            probabilities *= discount * self._types[order - 1][row] / total
            probabilities[keys[start:end] - row * vocabulary_size] += (
                np.maximum(self.ngram_counts_[order - 1][start:end] - discount, 0) / total
            )
        return probabilities

    def log_prob(self, context_ids, next_id: int) -> float:
        """Natural log of P(next_id | context)."""
        word = self._check_ids([next_id])
        return float(np.log(self._probabilities(self._contexts(context_ids), word)[0]))

    def log_probs(self, document_ids) -> np.ndarray:
        """Each token's probability given the order_-1 tokens before it, `<s>` before the first."""
        ids = self._check_ids(document_ids)
        return np.log(self._probabilities(self._context_matrix(ids, 0), ids))

    def count_params(self) -> int:
        """How many n-gram counts the model stores, over all orders."""
        return sum(len(counts) for counts in self.ngram_counts_)

    def _write(self, path: Path) -> None:
        """Plain arrays, without pickle; the config, vocabulary and history go as JSON."""
        meta = {
            "config": dataclasses.asdict(self.resolved_config),
            "vocabulary": self.vocabulary_.to_dict(),
            "history": self.history_,
            "stopped": self.stopped_,
        }
        arrays = {"meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
        arrays["discounts"] = self.discounts_
        for order, (keys, counts) in enumerate(
            zip(self.ngram_keys_, self.ngram_counts_, strict=True), 1
        ):
            arrays[f"keys_{order}"], arrays[f"counts_{order}"] = keys, counts
        with open(path, "wb") as stream:
            np.savez_compressed(stream, **arrays)

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
            self.discounts_ = arrays["discounts"]
            self.order_ = len(self.discounts_)
            self.ngram_keys_ = [arrays[f"keys_{order}"] for order in range(1, self.order_ + 1)]
            self.ngram_counts_ = [arrays[f"counts_{order}"] for order in range(1, self.order_ + 1)]
        self.vocabulary_ = Vocabulary.from_dict(meta["vocabulary"])
        self.history_, self.stopped_ = meta["history"], meta["stopped"]
        self._index()
