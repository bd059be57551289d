"""Tensors typed by hand, what TensorFlow makes of them, and the layout moves RNNs rely on.

A user types a nested list; it is parsed as JSON (never evaluated), checked to be
rectangular and numeric with a message that points at the offending place, then handed to
`tf.constant`, whose rank, shape and dtype are reported as TensorFlow sees them. Every bound
(characters, digits per number, nesting depth, values, layout sizes) is checked before
TensorFlow is loaded, so nothing a visitor types can cost more than a small tensor.
"""

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from core.errors import UserFacingError

MAX_LITERAL_CHARACTERS = 20_000
# Every integer of 18 digits fits TensorFlow's int64 (19 may not), and a float32 keeps only
# about 7 significant digits; Python also refuses to convert integers of over 4,300 digits.
MAX_DIGITS = 18
MAX_DEPTH = 8
MAX_VALUES = 1_000  # each one is written into a cell of the page's grid
MAX_LAYOUT_SIZE = 12  # per dimension, so a drawn batch holds at most 12**3 values
DIGIT = re.compile(r"\d")
EXAMPLES = {
    "a scalar": "3",
    "a vector": "[1, 2, 3]",
    "a 2x3 matrix": "[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]",
    "a 3x3x1 cube": "[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]",
}


def _check(value, path: str, depth: int) -> tuple[int, ...]:
    """The shape of a nested list of numbers; a UserFacingError naming where it goes wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float | list):
        shown = json.dumps(value)[:40]
        raise UserFacingError(
            f"Entry {path or 'at the top'} is {shown}: every entry must be a number."
        )
    if not isinstance(value, list):
        return ()
    if depth >= MAX_DEPTH:
        raise UserFacingError(f"Lists are nested more than {MAX_DEPTH} deep.")
    shapes = [_check(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
    for index, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            raise UserFacingError(
                f"Ragged input: {path}[0] has shape {shapes[0] or 'scalar'} but "
                f"{path}[{index}] has shape {shape or 'scalar'}. A tensor is rectangular: "
                "every list at the same depth needs the same length."
            )
    return (len(value), *(shapes[0] if shapes else ()))


def _number(literal: str, convert: type) -> int | float:
    """A JSON number literal as `convert` makes it, refused when it has too many digits."""
    digits = len(DIGIT.findall(literal))
    if digits > MAX_DIGITS:
        raise UserFacingError(
            f"The number {literal[:12]}... has {digits:,} digits; numbers typed here have at "
            f"most {MAX_DIGITS} (a float32 keeps about 7 significant digits). Write a large "
            "number with an exponent, such as 1e30."
        )
    return convert(literal)


def parse_nested_list(text: str) -> np.ndarray:
    """A number or a rectangular nested list of numbers, as an array; clear errors otherwise."""
    text = text.strip()
    if not text:
        raise UserFacingError("Type a number or a nested list such as [[1, 2], [3, 4]].")
    if len(text) > MAX_LITERAL_CHARACTERS:
        raise UserFacingError(
            f"That is {len(text):,} characters; tensors typed here are limited to "
            f"{MAX_LITERAL_CHARACTERS:,}."
        )
    try:
        value = json.loads(
            text,
            parse_int=lambda literal: _number(literal, int),
            parse_float=lambda literal: _number(literal, float),
        )
    except (json.JSONDecodeError, RecursionError) as error:
        message = getattr(error, "msg", "nested too deeply")
        raise UserFacingError(
            f"Not a nested list of numbers ({message}). Write it like [[1, 2], [3, 4]]."
        ) from None
    shape = _check(value, "", 0)
    if math.prod(shape) > MAX_VALUES:
        raise UserFacingError(
            f"That tensor of shape {shape} holds {math.prod(shape):,} values; tensors typed "
            f"here hold at most {MAX_VALUES:,}."
        )
    return np.array(value)


@dataclass(frozen=True)
class TensorReport:
    """What TensorFlow reports for a tensor."""

    rank: int
    shape: tuple[int, ...]
    dtype: str
    values: np.ndarray


def inspect_tensor(values: np.ndarray) -> TensorReport:
    """Build the tensor with `tf.constant` from plain Python values, as the seeds do."""
    import tensorflow as tf

    tensor = tf.constant(values.tolist())
    return TensorReport(
        int(tf.rank(tensor)), tuple(tensor.shape), tensor.dtype.name, tensor.numpy()
    )


@dataclass(frozen=True)
class SequenceLayouts:
    """One small batch of sequences in the layouts an RNN moves between."""

    batch_major: np.ndarray  # (batch, time, features): what Keras layers take
    time_major: np.ndarray  # (time, batch, features): tf.transpose(perm=[1, 0, 2])
    steps: list[np.ndarray]  # time x (batch, features): tf.unstack(axis=1), one per timestep
    restacked: np.ndarray  # tf.stack(steps, axis=1): back to (batch, time, features)
    flattened: np.ndarray  # (batch, time * features): what the logistic regression reads


def sequence_layouts(batch: int, timesteps: int, features: int) -> SequenceLayouts:
    """Number every value 0, 1, 2, ... so a reader can follow each one through the moves.

    `unstack` and `stack` are the seeds' `unpack_sequence` and `pack_sequence`: an unrolled
    RNN feeds `steps[t]` to its cell at timestep t. Each size is checked before TensorFlow is
    loaded.
    """
    for name, size in (("batch", batch), ("timesteps", timesteps), ("features", features)):
        if not 1 <= size <= MAX_LAYOUT_SIZE:
            raise UserFacingError(
                f"{name} must be between 1 and {MAX_LAYOUT_SIZE} to draw; got {size:,}."
            )
    import tensorflow as tf

    sequences = tf.reshape(tf.range(batch * timesteps * features), (batch, timesteps, features))
    steps = tf.unstack(sequences, axis=1)
    return SequenceLayouts(
        sequences.numpy(),
        tf.transpose(sequences, perm=[1, 0, 2]).numpy(),
        [step.numpy() for step in steps],
        tf.stack(steps, axis=1).numpy(),
        tf.reshape(sequences, (batch, timesteps * features)).numpy(),
    )
