"""What a network will cost before it is built: parameters, memory for one batch, and time.

A shared server (hosted mode) must refuse a job it cannot carry before the job takes the
model worker: a share link with 2,048 units in 8 layers and a batch of 65,536 held 4 GB after
2.5 minutes, still building. Each setting has its own bound (core/configs.py), but settings
multiply: 256 units, 3 bidirectional layers, batches of 1,024 and 500 steps are each within
bounds and together need tens of gigabytes of activations. So the product is estimated here,
from the config and the data's shape, and a job over the budget is refused with the figures.

The estimate counts float32 values: the weights, their gradients and Adam's two slots (four
copies); and for one batch the activations a recurrent layer keeps for its backward pass
(four gates, the cell state and the output at every step, per direction and layer), the
embedded inputs, and the logits (per step for a language model or tagger, where those over
the vocabulary are often the largest tensor). Time is multiply-adds times three
(forward and backward) over `FLOPS`, plus a cost per step and per training.
"""

import math
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidConfig

FLOAT_BYTES = 4
WEIGHT_COPIES = 4  # the weights, their gradients and Adam's two moment slots
# What TensorFlow keeps per step for a recurrent layer's backward pass, as a multiple of its
# gates, cell state and output: the loop's saved tensors, masks and selects. Measured in the
# model worker: a BiLSTM tagger on Hamlet estimated at 78 MB of activations with 1 grew the
# worker by 290 MB; with 3, the worker grew 1.06-1.29x what was estimated (seq2seq,
# the tagger, the mnist-5k LSTM with its 50 MB of graph and data).
SAVED_FACTOR = 3
# Time, fitted to runs on this project's 2-core machine (bench/README.md, "Cost estimates
# against measured runs"): arithmetic at FLOPS, plus Keras's cost per step and per training
# (tracing the graph, validation passes), which dominate a small model.
FLOPS = 2.0e10  # multiply-adds x 2 per second that Keras reaches on these models, 2 cores
STEP_SECONDS = 0.02
START_SECONDS = 10.0
PER_STEP_TASKS = ("text-prediction", "sequence-labelling", "reply")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


@dataclass(frozen=True)
class DataShape:
    """The training data as a network sees it: examples, steps per example, features per
    step (the vocabulary, for tokens), and classes (tags, for a tagger)."""

    samples: int
    timesteps: int
    features: int
    classes: int = 2
    # A language model's corpus is cut into windows of the config's length, so its examples
    # are its tokens (words, or characters for a character model) over that length.
    tokens: int = 0
    characters: int = 0
    # The data held while training: the loaded dataset, and the copy of its training part
    # Keras makes to feed it (arrays of images; token ids of texts are small beside them).
    data_bytes: int = 0

    def examples(self, config: Any, steps: int) -> int:
        if self.tokens:
            tokens = self.characters if hasattr(config, "max_characters") else self.tokens
            return max(1, tokens // steps)
        return self.samples


@dataclass(frozen=True)
class Cost:
    parameters: int
    weight_bytes: int
    activation_bytes: int
    data_bytes: int
    steps: int
    seconds: float
    epochs: int = 1

    def epochs_within(self, seconds: float) -> int:
        """How many epochs fit in `seconds` at this estimate's pace."""
        per_epoch = (self.seconds - START_SECONDS) / self.epochs
        return max(0, math.floor((seconds - START_SECONDS) / per_epoch))

    @property
    def memory_bytes(self) -> int:
        return self.weight_bytes + self.activation_bytes + self.data_bytes

    def describe(self) -> str:
        return (
            f"{self.parameters:,} parameters, about {_megabytes(self.memory_bytes)} for "
            f"weights, one batch's activations and the data, {self.steps:,} steps in about "
            f"{_duration(self.seconds)}"
        )


def _megabytes(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.0f} min"


def _setting(config: Any, name: str, default: Any) -> Any:
    return getattr(config, name, default)


def timesteps(config: Any, shape: DataShape) -> int:
    """Steps the network unrolls: the config's window or text length where it sets one."""
    if hasattr(config, "message_tokens"):
        return config.message_tokens + config.reply_tokens
    length = _setting(config, "sequence_length", 0)
    return length or shape.timesteps


def estimate(task: str, config: Any, shape: DataShape) -> Cost:
    """The cost of training a recurrent network with `config` on data of `shape`."""
    steps_per_example = timesteps(config, shape)
    units = _setting(config, "units", 128)
    layers = _setting(config, "layers", 1)
    directions = 2 if _setting(config, "bidirectional", False) else 1
    gates = GATES.get(_setting(config, "cell", "lstm"), 4)
    vocabulary = (  # a word language model's vocabulary is the corpus's (its `features`)
        _setting(config, "vocabulary_size", 0)
        or _setting(config, "max_characters", 0)
        or (shape.features if shape.tokens else 0)
    )
    embedding = _setting(config, "embedding_dim", 0) if vocabulary else 0
    inputs = embedding or shape.features
    per_step = task in PER_STEP_TASKS and not hasattr(config, "negatives")  # dual encoder
    outputs = vocabulary if per_step and task != "sequence-labelling" else shape.classes
    samples = shape.examples(config, steps_per_example)
    # A batch run in passes (the taggers' batch_passes) holds one pass's activations at once.
    passes = _setting(config, "batch_passes", 1)
    batch = min(math.ceil(_setting(config, "batch_size", 32) / passes), samples)

    recurrent = 0
    layer_input = inputs
    for _ in range(layers):
        recurrent += directions * gates * (layer_input + units + 1) * units
        layer_input = units * directions
    head = (layer_input + 1) * outputs
    tied = _setting(config, "tie_embeddings", False)  # the output layer reuses the embedding
    parameters = vocabulary * embedding + recurrent + (outputs if tied else head)

    head_uses = (_setting(config, "reply_tokens", 0) or steps_per_example) if per_step else 1
    saved = steps_per_example * (SAVED_FACTOR * layers * directions * units * (gates + 2) + inputs)
    activation_bytes = batch * (saved + outputs * head_uses) * FLOAT_BYTES  # logits, once

    multiply_adds = steps_per_example * recurrent + head * head_uses
    epochs = _setting(config, "epochs", 1)
    steps = math.ceil(samples / (batch * passes)) * epochs  # one update per whole batch
    seconds = (
        START_SECONDS
        + STEP_SECONDS * steps * passes
        + 3 * 2 * multiply_adds * samples * epochs / FLOPS
    )
    return Cost(
        parameters=int(parameters),
        weight_bytes=int(parameters * WEIGHT_COPIES * FLOAT_BYTES),
        activation_bytes=int(activation_bytes),
        data_bytes=shape.data_bytes,
        epochs=epochs,
        steps=int(steps),
        seconds=seconds,
    )


def check_within_budget(cost: Cost, memory_bytes: float, seconds: float) -> None:
    """Raise InvalidConfig saying what is over: the memory or the time this server allows."""
    if cost.memory_bytes > memory_bytes:
        raise InvalidConfig(
            f"This model would need about {_megabytes(cost.memory_bytes)} "
            f"({cost.parameters:,} parameters, {_megabytes(cost.activation_bytes)} of "
            f"activations for one batch and {_megabytes(cost.data_bytes)} of data); a job on "
            f"this shared server may take {_megabytes(memory_bytes)}. Lower units, layers, "
            "batch size or sequence length, or choose a smaller dataset."
        )
    if cost.seconds > seconds:
        fitting = cost.epochs_within(seconds)
        advice = (
            f"Lower epochs to {fitting}, or units or layers" if fitting else "Lower units or layers"
        )
        raise InvalidConfig(
            f"This training would take about {_duration(cost.seconds)} ({cost.steps:,} steps "
            f"in {cost.epochs} epochs); a job on this shared server may run "
            f"{_duration(seconds)}. {advice}, or choose a smaller dataset."
        )
