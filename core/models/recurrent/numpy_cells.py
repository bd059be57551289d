"""One step of an LSTM or a GRU in NumPy, with Keras's maths, returning the gates it computed.

Keras's default LSTM and GRU, which seqlab's fast layers (core/models/recurrent/fast_recurrent.py)
share weight for weight: the kernel (features, gates * units), the recurrent kernel (units,
gates * units) and the bias, gate blocks in Keras's order. LSTM, blocks i, f, c, o of
z = x @ kernel + h @ recurrent_kernel + bias: c' = sigmoid(z_f) * c + sigmoid(z_i) * tanh(z_c)
and h' = sigmoid(z_o) * tanh(c'). GRU with reset_after=True, blocks z, r, h, its bias
(2, 3 * units), input then recurrent; the reset gate multiplies the recurrent part after its
product: h~ = tanh(x_h + r * (h @ U_h + b_h)) and h' = z * h + (1 - z) * h~.

A step keeps what a whole-layer op does not give back: the gates of each step. The character
LSTM's beam search steps its network one character at a time with these cells
(core/models/recurrent/char_lstm.py), and a drawing of an LSTM can show its gates opening and
closing. The cells compute in the dtype they are read in, float64 unless asked otherwise.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# What the cells compute; a Keras layer configured otherwise is refused rather than misread.
KERAS_DEFAULTS = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "use_bias": True,
    "reset_after": True,
}


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))  # 1 / (1 + exp(-x)), with no overflow warning


def _layer_weights(layer, gates: int, dtype) -> list[np.ndarray]:
    """[kernel, recurrent_kernel, bias] of a Keras or fast LSTM (4 gates) or GRU (3 gates)."""
    config = layer.get_config()
    differing = {
        key: config[key] for key, value in KERAS_DEFAULTS.items() if config.get(key, value) != value
    }
    if differing:
        raise ValueError(
            f"The NumPy cells compute Keras's default LSTM and GRU; layer {layer.name} sets "
            f"{differing}."
        )
    weights = [np.asarray(weight, dtype) for weight in layer.get_weights()]
    if len(weights) != 3 or weights[1].shape[1] != gates * weights[1].shape[0]:
        kind = {4: "an LSTM", 3: "a GRU"}[gates]
        raise ValueError(
            f"Layer {layer.name} is not {kind}: its weights do not have {gates} gates."
        )
    return weights


class LstmStep(NamedTuple):
    """An LSTM step: the new hidden and cell states and the gate activations, each (batch,
    units)."""

    hidden: np.ndarray
    cell: np.ndarray
    input_gate: np.ndarray
    forget_gate: np.ndarray
    candidate: np.ndarray  # tanh of the candidate cell state
    output_gate: np.ndarray

    @property
    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self.hidden, self.cell


class GruStep(NamedTuple):
    """A GRU step: the new hidden state and the gate activations, each (batch, units)."""

    hidden: np.ndarray
    update_gate: np.ndarray
    reset_gate: np.ndarray
    candidate: np.ndarray  # the candidate hidden state h~

    @property
    def state(self) -> tuple[np.ndarray]:
        return (self.hidden,)


@dataclass(frozen=True)
class LstmCell:
    """Keras's LSTM step with one layer's weights."""

    kernel: np.ndarray  # (features, 4 * units)
    recurrent_kernel: np.ndarray  # (units, 4 * units)
    bias: np.ndarray  # (4 * units,)

    @classmethod
    def from_layer(cls, layer, dtype=np.float64) -> "LstmCell":
        """The cell of a built keras.layers.LSTM or FastLSTM."""
        return cls(*_layer_weights(layer, 4, dtype))

    def zero_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """(hidden, cell) of zeros, as every sequence starts."""
        zeros = np.zeros((batch, self.recurrent_kernel.shape[0]), self.kernel.dtype)
        return zeros, zeros

    def project(self, inputs: np.ndarray) -> np.ndarray:
        """The input's part of the gates, x @ kernel + bias, (..., 4 * units): to compute once
        where the same inputs come back (a table of every character's)."""
        return inputs @ self.kernel + self.bias

    def step(self, inputs: np.ndarray, state) -> LstmStep:
        """The step after (hidden, cell) reads inputs (batch, features)."""
        return self.step_projected(self.project(inputs), state)

    def step_projected(self, projected: np.ndarray, state) -> LstmStep:
        """`step` from the inputs' `project`ion."""
        hidden, cell = state
        i, f, c, o = np.split(projected + hidden @ self.recurrent_kernel, 4, axis=-1)
        input_gate, forget_gate, output_gate = sigmoid(i), sigmoid(f), sigmoid(o)
        candidate = np.tanh(c)
        cell = forget_gate * cell + input_gate * candidate
        hidden = output_gate * np.tanh(cell)
        return LstmStep(hidden, cell, input_gate, forget_gate, candidate, output_gate)


@dataclass(frozen=True)
class GruCell:
    """Keras's GRU step (reset_after=True) with one layer's weights."""

    kernel: np.ndarray  # (features, 3 * units)
    recurrent_kernel: np.ndarray  # (units, 3 * units)
    bias: np.ndarray  # (2, 3 * units): the input bias, then the recurrent bias

    @classmethod
    def from_layer(cls, layer, dtype=np.float64) -> "GruCell":
        """The cell of a built keras.layers.GRU or FastGRU."""
        return cls(*_layer_weights(layer, 3, dtype))

    def zero_state(self, batch: int) -> tuple[np.ndarray]:
        """(hidden,) of zeros, as every sequence starts."""
        return (np.zeros((batch, self.recurrent_kernel.shape[0]), self.kernel.dtype),)

    def project(self, inputs: np.ndarray) -> np.ndarray:
        """The input's part of the gates, x @ kernel + input bias, (..., 3 * units)."""
        return inputs @ self.kernel + self.bias[0]

    def step(self, inputs: np.ndarray, state) -> GruStep:
        """The step after (hidden,) reads inputs (batch, features)."""
        return self.step_projected(self.project(inputs), state)

    def step_projected(self, projected: np.ndarray, state) -> GruStep:
        """`step` from the inputs' `project`ion."""
        (hidden,) = state
        x_z, x_r, x_h = np.split(projected, 3, axis=-1)
        inner_z, inner_r, inner_h = np.split(hidden @ self.recurrent_kernel + self.bias[1], 3, -1)
        update_gate, reset_gate = sigmoid(x_z + inner_z), sigmoid(x_r + inner_r)
        candidate = np.tanh(x_h + reset_gate * inner_h)
        hidden = update_gate * hidden + (1 - update_gate) * candidate
        return GruStep(hidden, update_gate, reset_gate, candidate)
