"""The order probe: does the order of the words in a text (the rows of an image) carry signal?

The model is retrained on inputs whose pieces were shuffled inside each example, a different
seeded permutation per example, and scored on test inputs shuffled the same way. Compared
with the in-order model on the same test examples (a paired bootstrap interval on the drop
and McNemar's exact test), a significant drop says that order carries signal; none says that
the same pieces in any order do as well, which is what a sequence model has to beat.
"""

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.contest.wording import SIGNIFICANCE_LEVEL, p_text
from core.errors import TrainingStopped
from core.metrics.classification import Interval, McNemarResult, mcnemar_test, paired_difference
from core.models.classifiers import as_texts
from core.models.registry import ModelSpec
from core.progress import TrainingObserver
from core.tasks.classification import SplitDataset


def shuffle_within_examples(inputs: np.ndarray, seed: int) -> np.ndarray:
    """A new array with each example's pieces in a seeded random order: the whitespace tokens
    of each text (a 1-D array of str, rejoined by single spaces), or the rows (axis 1) of
    each example shaped (examples, timesteps, features). Each example gets its own
    permutation."""
    rng = np.random.default_rng(seed)
    inputs = np.asarray(inputs)
    if inputs.ndim == 1:
        shuffled = np.empty(len(inputs), dtype=object)
        for index, text in enumerate(as_texts(inputs)):
            tokens = text.split()
            shuffled[index] = " ".join(tokens[at] for at in rng.permutation(len(tokens)))
        return shuffled
    if inputs.ndim == 3:
        orders = np.argsort(rng.random(inputs.shape[:2]), axis=1)  # (examples, timesteps)
        return np.take_along_axis(inputs, orders[:, :, None], axis=1)
    raise ValueError(
        "Expected texts (a 1-D array of str) or sequences shaped (examples, timesteps, "
        f"features); got an array shaped {inputs.shape} of {inputs.dtype}."
    )


def pieces_name(inputs: np.ndarray) -> str:
    """What `shuffle_within_examples` moves about in these inputs: "words" or "rows"."""
    return "words" if np.asarray(inputs).ndim == 1 else "rows"


@dataclass(frozen=True)
class ProbeResult:
    model: str
    pieces: str  # "words" or "rows"
    score_shuffled: float  # test accuracy with the pieces shuffled in training and test
    hits: np.ndarray  # (test examples,) bool: right on the shuffled test input
    train_seconds: float


def order_probe(
    spec: ModelSpec,
    config: Any,
    prepared: SplitDataset,
    seed: int,
    observer: TrainingObserver | None = None,
) -> ProbeResult | None:
    """Retrain `spec` with `config` on the shuffled training and validation inputs of
    `prepared` and score it on the shuffled test inputs; `seed` seeds the model and the
    shuffle.

    Returns None when a stop was requested (`observer.should_stop()`), before training or
    during it: a partly trained model would make a drop that says nothing about order.
    """
    data, split = prepared.data, prepared.split
    inputs = shuffle_within_examples(data.inputs, seed)
    model = spec.build(config, seed)
    started = time.perf_counter()
    try:
        model.fit(
            inputs[split.train],
            data.labels[split.train],
            validation_data=(inputs[split.validation], data.labels[split.validation]),
            observer=observer,
        )
    except TrainingStopped:
        return None
    if model.stopped_:
        return None
    seconds = time.perf_counter() - started
    hits = model.predict(inputs[split.test]) == data.labels[split.test]
    return ProbeResult(spec.name, pieces_name(data.inputs), float(hits.mean()), hits, seconds)


@dataclass(frozen=True)
class OrderEffect:
    drop: Interval  # in-order hit rate minus shuffled, as a fraction, paired over examples
    test: McNemarResult  # first: in order, second: shuffled
    pieces: str
    test_examples: int

    @property
    def significant(self) -> bool:
        return self.test.p_value < SIGNIFICANCE_LEVEL

    @property
    def sentence(self) -> str:
        drop, low, high = (
            100 * value for value in (self.drop.estimate, self.drop.low, self.drop.high)
        )
        evidence = (
            f"95% CI {low:.1f} to {high:.1f}, McNemar {p_text(self.test.p_value)}, "
            f"{self.test_examples:,} test examples"
        )
        if not self.significant:
            same = "a bag of words" if self.pieces == "words" else "the rows in any order"
            return (
                f"No significant change from shuffling the {self.pieces} (a drop of "
                f"{drop:.1f} points, {evidence}): {same} does as well."
            )
        if drop > 0:
            return (
                f"Order carries signal: shuffling the {self.pieces} inside each example costs "
                f"{drop:.1f} points of accuracy ({evidence})."
            )
        return (
            f"Shuffling the {self.pieces} inside each example gains {-drop:.1f} points of "
            f"accuracy ({evidence}): this model does better without their order."
        )


def order_effect(
    in_order_hits: np.ndarray, shuffled_hits: np.ndarray, seed: int, pieces: str = "words"
) -> OrderEffect:
    """How much the in-order model's test hits exceed the shuffled model's on the same
    examples; `seed` seeds the bootstrap, `pieces` (ProbeResult.pieces) names what moved."""
    in_order, shuffled = np.asarray(in_order_hits, bool), np.asarray(shuffled_hits, bool)
    # With every true label "hit", a model's hits are its predictions: McNemar's test on
    # hits alone is the test on the labels and predictions they came from.
    return OrderEffect(
        drop=paired_difference(shuffled, in_order, seed=seed),
        test=mcnemar_test(np.ones_like(in_order), in_order, shuffled),
        pieces=pieces,
        test_examples=int(in_order.size),
    )
