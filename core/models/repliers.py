"""The protocol every seqlab replier follows: learn from message -> reply pairs, then answer.

A replier is fitted on pairs of texts (a message and the reply it got). Two things are asked
of it afterwards:
- `score(messages, candidates)`: how well each candidate reply suits its message, higher is
  better. This is what the 1-of-10 evaluation ranks (core/tasks/reply/evaluation.py), so every
  replier is measured on the same candidates whatever it does to answer.
- `respond(message, k)`: its best answers to a new message, best first, with the evidence
  behind each (`Response`): a retrieval model returns training replies with the training
  message it matched and the score; a generative model returns text it wrote.

Like the other estimators, the constructor stores a typed config and a seed; `fit` validates,
learns and returns self; what it learns ends in `_` (`history_`, `stopped_`); progress and
stop requests travel through a `TrainingObserver`.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.configs import validate
from core.models.protocol import Estimator
from core.progress import TrainingObserver


@dataclass(frozen=True)
class Response:
    """One answer: the reply, the model's score for it, and what it was matched on (if any)."""

    reply: str
    score: float
    matched_message: str | None = None


class Replier(Estimator, ABC):
    """Answers messages; after `fit`, `history_` (one dict per epoch, as the other estimators
    keep it; a model without epochs records one) and `stopped_` (True if the user stopped it)."""

    def fit(
        self,
        messages,
        replies,
        *,
        validation_data: tuple | None = None,
        observer: TrainingObserver | None = None,
    ) -> "Replier":
        """Learn from parallel lists of messages and their replies (non-empty texts)."""
        config = self.resolved_config
        validate(config)
        messages, replies = as_pairs(messages, replies)
        if len(messages) < 2:
            raise ValueError("A replier needs at least two message -> reply pairs to learn from.")
        if validation_data is not None:
            validation_data = as_pairs(*validation_data)
        self.history_: list[dict] = []
        self.stopped_ = False
        self._fit_checked(
            config, messages, replies, validation_data, observer or TrainingObserver()
        )
        return self

    @abstractmethod
    def _fit_checked(
        self,
        config: Any,
        messages: list[str],
        replies: list[str],
        validation: tuple[list[str], list[str]] | None,
        observer: TrainingObserver,
    ) -> None:
        """Train on checked pairs; append to `history_`, set `stopped_`."""

    @abstractmethod
    def score(self, messages: Sequence[str], candidates: Sequence[Sequence[str]]) -> np.ndarray:
        """(len(messages), candidates per message) scores; row i rates candidates[i] as
        replies to messages[i], higher is better. Every row has the same number of candidates."""

    @abstractmethod
    def respond(self, message: str, k: int = 3) -> list[Response]:
        """Up to k answers to one message, best first."""


def as_pairs(messages, replies) -> tuple[list[str], list[str]]:
    """Messages and replies as two equally long lists of str; ValueError naming a problem."""
    messages, replies = list(messages), list(replies)
    if len(messages) != len(replies):
        raise ValueError(f"Got {len(messages)} messages but {len(replies)} replies; pair them up.")
    for index, (message, reply) in enumerate(zip(messages, replies, strict=True)):
        if not isinstance(message, str) or not isinstance(reply, str):
            raise ValueError(f"Pair {index} is not two texts.")
        if not message.strip() or not reply.strip():
            raise ValueError(f"Pair {index} has an empty message or reply.")
    return messages, replies


def checked_candidates(messages: Sequence[str], candidates: Sequence[Sequence[str]]) -> int:
    """The number of candidates per message; ValueError if rows differ or do not match."""
    if len(messages) != len(candidates):
        raise ValueError(f"Got {len(messages)} messages but {len(candidates)} rows of candidates.")
    widths = {len(row) for row in candidates}
    if len(widths) > 1:
        raise ValueError("Every message needs the same number of candidate replies.")
    return widths.pop() if widths else 0
