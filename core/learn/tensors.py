"""Tensors typed by hand, what TensorFlow makes of them, and the layout moves RNNs rely on.

A user types a nested list; it is parsed as JSON (never evaluated), checked to be
rectangular and numeric with a message that points at the offending place, then handed to
`tf.constant`, whose rank, shape and dtype are reported as TensorFlow sees them.
"""

import json
from dataclasses import dataclass

import numpy as np

from core.errors import UserFacingError

MAX_LITERAL_CHARACTERS = 20_000
MAX_DEPTH = 8
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
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        message = getattr(error, "msg", "nested too deeply")
        raise UserFacingError(
            f"Not a nested list of numbers ({message}). Write it like [[1, 2], [3, 4]]."
        ) from None
    _check(value, "", 0)
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
    RNN feeds `steps[t]` to its cell at timestep t.
    """
    import tensorflow as tf

    for name, size in (("batch", batch), ("timesteps", timesteps), ("features", features)):
        if not 1 <= size <= 12:
            raise UserFacingError(f"{name} must be between 1 and 12 to draw; got {size}.")
    sequences = tf.reshape(tf.range(batch * timesteps * features), (batch, timesteps, features))
    steps = tf.unstack(sequences, axis=1)
    return SequenceLayouts(
        sequences.numpy(),
        tf.transpose(sequences, perm=[1, 0, 2]).numpy(),
        [step.numpy() for step in steps],
        tf.stack(steps, axis=1).numpy(),
        tf.reshape(sequences, (batch, timesteps * features)).numpy(),
    )
