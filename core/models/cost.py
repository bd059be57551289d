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
(forward and backward) over `FLOPS`, plus a cost per step and per training. A network
without recurrence (FEEDFORWARD) has a function of its own that counts the same things.
"""

import math
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidConfig
from core.models.baselines.tfidf_features import TfidfConfig
from core.models.feedforward.mlp import MlpConfig
from core.models.feedforward.row_cnn import RowCnnConfig, width_list
from core.models.feedforward.text_cnn import TextCnnConfig, widths_of

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
# Convolutions keep the cores busier than a recurrent loop: four times FLOPS fitted the text
# CNN's runs on trec-questions, sms-spam and rotten-tomatoes (bench/README.md, "Word2vec
# starts: random, split-only, corpus").
CONVOLUTION_FLOPS = 4 * FLOPS
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


# scikit-learn's MLP (no graph to trace, no callbacks) costs little per step beside Keras,
# but its Adam passes over every weight about 15 times a step in NumPy (the gradient, its L2
# term, both moments, the update): on TF-IDF, with a million weights in the first layer and
# a few terms a row, that is most of the time. Fitted to its runs on digits, mnist-5k,
# sms-spam, trec-questions and rotten-tomatoes on this 2-core machine.
PERCEPTRON_STEP_SECONDS = 0.001
UPDATE_SECONDS = 1.5e-8  # per weight and step
# Terms in a TF-IDF row per word of its text: 0.7-0.8 word n-grams and 6-8 character n-grams
# on sms-spam, trec-questions and rotten-tomatoes (2 and 5 at most, 20,000 terms each).
TERMS_PER_WORD = {"words": 1, "characters": 8, "words+characters": 9}
SPARSE_VALUE_BYTES = 8  # a float32 value and its int32 column


def _feedforward(
    config: Any,
    shape: DataShape,
    parameters: int,
    saved: int,
    multiply_adds: int,
    *,
    data_bytes: int = 0,
    step_seconds: float = STEP_SECONDS,
    flops: float = FLOPS,
) -> Cost:
    """A network trained on `shape.samples` examples in batches of `config.batch_size` for
    `config.epochs`, from its counts: `parameters`, the values `saved` per example for the
    backward pass, and `multiply_adds` per example, forward; `data_bytes` beside the data's."""
    batch = min(config.batch_size, shape.samples)
    steps = math.ceil(shape.samples / batch) * config.epochs
    return Cost(
        parameters=int(parameters),
        weight_bytes=int(parameters * WEIGHT_COPIES * FLOAT_BYTES),
        activation_bytes=int(batch * saved * FLOAT_BYTES),
        data_bytes=shape.data_bytes + data_bytes,
        epochs=config.epochs,
        steps=steps,
        seconds=START_SECONDS
        + step_seconds * steps
        + 3 * 2 * multiply_adds * shape.samples * config.epochs / flops,
    )


def _perceptron(config: MlpConfig, shape: DataShape) -> Cost:
    """A multilayer perceptron (core/models/feedforward/mlp.py) on flattened images or TF-IDF
    rows: dense layers, and one logistic output for two classes as scikit-learn builds it.
    Each layer's outputs and their gradients are kept for the backward pass. A TF-IDF row is
    sparse: its terms, not the vocabulary, make the first layer's multiply-adds, and the
    training matrix and each epoch's shuffled copy of it are data."""
    if isinstance(config, TfidfConfig):
        inputs = config.max_features * len(config.features.split("+"))  # per kind of term
        terms = shape.timesteps * TERMS_PER_WORD[config.features]  # in a (long-ish) row
        data_bytes = 2 * shape.samples * terms * SPARSE_VALUE_BYTES
    else:
        inputs = terms = shape.timesteps * shape.features
        data_bytes = 0
    layers = [config.units] * config.layers + [1 if shape.classes == 2 else shape.classes]
    fans = list(zip([inputs, *layers[:-1]], layers, strict=True))  # (inputs, outputs) per layer
    parameters = sum((fan_in + 1) * fan_out for fan_in, fan_out in fans)
    multiply_adds = terms * layers[0] + sum(fan_in * fan_out for fan_in, fan_out in fans[1:])
    return _feedforward(
        config,
        shape,
        parameters,
        terms + 2 * sum(layers),
        multiply_adds,
        data_bytes=data_bytes,
        step_seconds=PERCEPTRON_STEP_SECONDS + UPDATE_SECONDS * parameters,
    )


def _row_convolution(config: RowCnnConfig, shape: DataShape) -> Cost:
    """A CNN down the rows of images (core/models/feedforward/row_cnn.py): the standardising
    layer's statistics (a mean and a variance per feature, and a count), then per width a
    convolution at every position where it fits, its outputs and ReLU kept for the backward
    pass; max pooling leaves one value per filter for the softmax."""
    rows, features, filters = shape.timesteps, shape.features, config.filters
    widths = width_list(config, rows)
    positions = [rows - width + 1 for width in widths]
    head = (len(widths) * filters + 1) * shape.classes
    convolutions = sum((width * features + 1) * filters for width in widths)
    multiply_adds = head + sum(
        count * width * features * filters for count, width in zip(positions, widths, strict=True)
    )
    saved = 2 * rows * features + 2 * sum(positions) * filters + 2 * len(widths) * filters
    return _feedforward(
        config,
        shape,
        2 * features + 1 + convolutions + head,
        saved + shape.classes,
        multiply_adds,
        flops=CONVOLUTION_FLOPS,
    )


def _text_convolution(config: TextCnnConfig, shape: DataShape) -> Cost:
    """A text CNN (core/models/feedforward/text_cnn.py): the embeddings, then per width a
    convolution over the text padded by `width - 1` zeros at each end, its outputs, ReLU and
    masked outputs kept for the backward pass; max pooling leaves one value per filter for the
    softmax."""
    length = timesteps(config, shape)
    widths = widths_of(config)
    embedding, filters = config.embedding_dim, config.filters
    positions = [length + width - 1 for width in widths]
    head = (len(widths) * filters + 1) * shape.classes
    convolutions = sum((width * embedding + 1) * filters for width in widths)
    multiply_adds = head + sum(
        count * width * embedding * filters for count, width in zip(positions, widths, strict=True)
    )
    saved = (
        2 * length * embedding
        + sum((length + 2 * width - 2) * embedding for width in widths)
        + 3 * sum(positions) * filters
    )
    return _feedforward(
        config,
        shape,
        config.vocabulary_size * embedding + convolutions + head,
        saved + shape.classes,
        multiply_adds,
        flops=CONVOLUTION_FLOPS,
    )


# Networks counted by their architecture's own function; any other is a recurrent network.
FEEDFORWARD = {
    MlpConfig: _perceptron,
    RowCnnConfig: _row_convolution,
    TextCnnConfig: _text_convolution,
}


def estimate(task: str, config: Any, shape: DataShape) -> Cost:
    """The cost of training a network with `config` on data of `shape`: a feedforward one
    by its count in FEEDFORWARD, or a recurrent network's."""
    for config_class, count in FEEDFORWARD.items():
        if isinstance(config, config_class):
            return count(config, shape)
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
