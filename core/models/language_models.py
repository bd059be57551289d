"""The one protocol every seqlab language model follows, n-gram or neural, in scikit-learn's manner.

A language model reads documents as token ids of a shared `Vocabulary` (so perplexities are
comparable) and predicts the next id. The constructor stores hyperparameters only; `fit`
validates, learns and returns self; what it learns ends in `_`. Progress and stop requests
travel through a `TrainingObserver`, as for classifiers. Scoring (`log_probs`), suggestions
(`distribution`, `top_k`) and generation then work alike for every model.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.configs import validate
from core.data.vocabulary import START_ID, UNKNOWN_ID, Vocabulary
from core.metrics.language import perplexity
from core.models.protocol import Estimator
from core.models.sampling import check_sampling, sample_index
from core.progress import TrainingObserver

# Never generated: <s> only pads the context before a document, and an <unk> in a
# continuation says nothing to a reader.
NOT_GENERATED = (UNKNOWN_ID, START_ID)


class LanguageModel(Estimator, ABC):
    """Predicts the next token id from the ids before it, over the whole `vocabulary_`.

    After `fit`: `vocabulary_`, `history_` (one dict per epoch with `epoch`, `complete`,
    `loss` = mean negative natural-log probability per training token, and `val_loss` when
    validation documents were given) and `stopped_` (True if the user stopped it).
    """

    def fit(
        self,
        train_documents: Sequence[np.ndarray],
        vocabulary: Vocabulary,
        *,
        validation_documents: Sequence[np.ndarray] | None = None,
        observer: TrainingObserver | None = None,
    ) -> "LanguageModel":
        """Learn to predict each token of `train_documents` (arrays of ids) from those before it."""
        config = self.resolved_config
        validate(config)
        self.vocabulary_ = vocabulary
        documents = [self._check_ids(ids) for ids in train_documents]
        if sum(len(ids) for ids in documents) == 0:
            raise ValueError("The training documents hold no tokens.")
        validation = None
        if validation_documents is not None:
            validation = [self._check_ids(ids) for ids in validation_documents]
            if sum(len(ids) for ids in validation) == 0:
                raise ValueError("The validation documents hold no tokens.")
        self.history_: list[dict] = []
        self.stopped_ = False
        self._fit_ids(config, documents, validation, observer or TrainingObserver())
        return self

    @abstractmethod
    def _fit_ids(
        self,
        config: Any,
        documents: list[np.ndarray],
        validation: list[np.ndarray] | None,
        observer: TrainingObserver,
    ) -> None:
        """Train on checked int64 id arrays; append to `history_`, set `stopped_`."""

    def _check_ids(self, ids) -> np.ndarray:
        """`ids` as a 1-D int64 array of ids of `vocabulary_`; ValueError otherwise."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(f"Expected a 1-D array of token ids; got {ids.dtype} {ids.shape}.")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.vocabulary_)):
            raise ValueError(f"Token ids must be in 0..{len(self.vocabulary_) - 1}.")
        return ids.astype(np.int64)

    @abstractmethod
    def log_probs(self, document_ids) -> np.ndarray:
        """Natural log of P(token | the tokens before it in the document), for every token.

        The first token is predicted after `<s>` alone, as at the start of a training document.
        """

    @abstractmethod
    def distribution(self, context_ids) -> np.ndarray:
        """P(next id | context) over the whole vocabulary (float64, sums to 1).

        An empty context is the start of a document.
        """

    def perplexity(self, documents: Sequence[np.ndarray]) -> float:
        """exp of the mean negative log probability over every token of the documents."""
        return perplexity(np.concatenate([self.log_probs(ids) for ids in documents]))

    def top_k(self, context_ids, k: int, allowed_ids=None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, probabilities) of the k likeliest next ids, best first; ties by smaller id.

        `allowed_ids` restricts the choice, e.g. to the completions of a half-typed word
        (`Vocabulary.ids_with_prefix`); probabilities stay those of the whole vocabulary.
        """
        probabilities = self._remembered_distribution(context_ids)
        candidates = (
            np.arange(len(probabilities))
            if allowed_ids is None
            else np.unique(self._check_ids(allowed_ids))
        )
        best = candidates[np.argsort(-probabilities[candidates], kind="stable")[:k]]
        return best, probabilities[best]

    def _remembered_distribution(self, context_ids) -> np.ndarray:
        """`distribution`, remembered for the last context asked about (read-only).

        While a user types a word letter by letter, the words before it stay the same: every
        keystroke asks for completions from one next-word distribution, computed once.
        """
        key = self._check_ids(context_ids).tobytes()
        remembered = getattr(self, "_last_distribution", None)
        if remembered is None or remembered[0] != key:
            probabilities = self.distribution(context_ids)
            probabilities.flags.writeable = False
            self._last_distribution = remembered = (key, probabilities)
        return remembered[1]

    def generate(
        self,
        context_ids,
        max_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
    ) -> list[int]:
        """Continue `context_ids` with `max_tokens` sampled ids (never `<s>` or `<unk>`).

        Each id is drawn from the distribution sharpened (temperature below 1) or flattened
        (above 1) as p ** (1 / temperature), among the `top_k` likeliest ids if given; the
        same seed gives the same continuation.
        """
        check_sampling(temperature, top_k, max_tokens, "max_tokens")
        rng = np.random.default_rng(seed)
        context = self._check_ids(context_ids).tolist()
        generated: list[int] = []
        for _ in range(max_tokens):
            with np.errstate(divide="ignore"):
                log_probs = np.log(self.distribution(context))
            token = sample_index(log_probs, list(NOT_GENERATED), temperature, top_k, rng)
            generated.append(token)
            context.append(token)
        return generated
