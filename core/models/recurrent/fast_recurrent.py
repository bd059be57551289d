"""LSTM and GRU layers with Keras's maths, arranged for speed on a CPU.

Keras's LSTM and GRU (off GPU) multiply each timestep's input by the input kernel inside the
recurrent loop: 28 small matrix products where one large one does. These layers project every
timestep's input at once, x @ W + b as one (time * batch, features) product, and loop only
over the recurrent part h @ U, unrolled into the graph (the default) or in a while loop.
Unrolled, the LSTM runs on this machine's compiled kernels where they were built
(core/models/kernels/native_lstm.py: the whole layer in one op forward and one backward, which there
multiply [x_t, h_{t-1}] by [W; U] once a step, faster in native code than a separate
projection), else with a backward pass written by hand in TensorFlow's ops
(core/models/recurrent/lstm_recurrence.py); the GRU's backward pass, and the while loops', are
TensorFlow's autodiff. Weights, gate order (LSTM i, f, c, o; GRU z, r, h with the reset gate
after the recurrent product), activations, initialisers and variable order are Keras's own, so
`set_weights(keras_layer.get_weights())` copies a Keras layer exactly, and outputs and
gradients match it (tests/core/models/test_fast_recurrent.py).

What they leave out: masks (a masked input raises, so text models with padding keep Keras's
layers), dropout inside the recurrence, initial states and returned states; seqlab's image
classifiers use none of them. `go_backwards` is kept so `keras.layers.Bidirectional` wraps
them. The classes are registered for safe-mode loading when `fast_recurrent_classes()` is
first called; TensorFlow is imported only then.
"""

from functools import cache

from core.models.kernels.native_lstm import native_lstm_layer
from core.models.recurrent.lstm_recurrence import lstm_recurrence


@cache
def fast_recurrent_classes() -> dict[str, type]:
    """{"lstm": FastLSTM, "gru": FastGRU}, registered so `load_model` in safe mode knows them."""
    import keras
    from keras import ops

    class FastRecurrent(keras.layers.Layer):
        """The loop shared by both cells: project all inputs, then step the recurrence."""

        gates = 0  # gate blocks in the kernels: 4 for the LSTM, 3 for the GRU
        states = 1  # carried tensors of shape (batch, units)

        def __init__(
            self,
            units: int,
            return_sequences: bool = False,
            go_backwards: bool = False,
            unroll: bool = True,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.units = units
            self.return_sequences = return_sequences
            self.go_backwards = go_backwards
            self.unroll = unroll
            # So that Keras hands a mask to `call`, which refuses it rather than drop it.
            self.supports_masking = True
            # Attributes keras.layers.Bidirectional checks on the layers it wraps.
            self.return_state = False
            self.stateful = False

        def build(self, input_shape):
            # Created in the order of Keras's cells: kernel, recurrent_kernel, bias.
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.gates * self.units),
                initializer="glorot_uniform",
                name="kernel",
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.gates * self.units),
                initializer="orthogonal",
                name="recurrent_kernel",
            )
            self.bias = self.add_weight(
                shape=self.bias_shape(), initializer=self.bias_initializer(), name="bias"
            )

        def refuse_mask(self, mask):
            if mask is not None:
                raise ValueError(
                    f"{type(self).__name__} does not support masks; use "
                    f"keras.layers.{type(self).__name__.removeprefix('Fast')} for padded input."
                )

        def compute_mask(self, inputs, mask=None):
            self.refuse_mask(mask)  # where a model is built on symbolic inputs
            return None

        def compute_output_shape(self, input_shape):
            if self.return_sequences:
                return (input_shape[0], input_shape[1], self.units)
            return (input_shape[0], self.units)

        def call(self, inputs, mask=None, initial_state=None):
            if initial_state is not None:
                raise ValueError(f"{type(self).__name__} always starts from zero states.")
            self.refuse_mask(mask)
            if self.go_backwards:
                inputs = ops.flip(inputs, axis=1)
            outputs = self.recur(self.project(inputs))
            if self.return_sequences:
                return ops.transpose(outputs, (1, 0, 2))  # (batch, time, units)
            return outputs

        def project(self, inputs):
            """x @ W + input bias for every timestep as one 2-D product, time-major (a 3-D
            product runs as a batched one, which profiled several times slower)."""
            time, features = ops.shape(inputs)[1], ops.shape(inputs)[2]
            rows = ops.reshape(ops.transpose(inputs, (1, 0, 2)), (-1, features))
            projected = ops.matmul(rows, self.kernel) + self.input_bias()
            return ops.reshape(projected, (time, -1, self.gates * self.units))

        def recur(self, steps):
            """The hidden states from the projected inputs (time, batch, gates * units): the
            last (batch, units), or all (time, batch, units) with return_sequences."""
            zeros = ops.zeros((ops.shape(steps)[1], self.units), dtype=steps.dtype)
            carry = (zeros,) * self.states
            if self.unroll:
                outputs = []
                for step in ops.unstack(steps, steps.shape[0], axis=0):
                    carry = self.step(step, carry)
                    outputs.append(carry[0])
                return ops.stack(outputs) if self.return_sequences else outputs[-1]

            def scan_step(carry, step):
                carry = self.step(step, carry)
                return carry, carry  # Keras's scan wants outputs shaped like the carry

            last, outputs = ops.scan(scan_step, carry, steps)
            return outputs[0] if self.return_sequences else last[0]

        def get_config(self):
            return {
                **super().get_config(),
                "units": self.units,
                "return_sequences": self.return_sequences,
                "go_backwards": self.go_backwards,
                "unroll": self.unroll,
            }

    @keras.saving.register_keras_serializable(package="seqlab")
    class FastLSTM(FastRecurrent):
        """keras.layers.LSTM(units) with its defaults (tanh, sigmoid, unit forget bias)."""

        gates = 4
        states = 2  # (h, c)

        def bias_shape(self):
            return (4 * self.units,)

        def bias_initializer(self):
            units = self.units

            def unit_forget_bias(shape, dtype=None):
                return ops.concatenate(
                    [
                        ops.zeros((units,), dtype=dtype),
                        ops.ones((units,), dtype=dtype),
                        ops.zeros((2 * units,), dtype=dtype),
                    ]
                )

            return unit_forget_bias

        def input_bias(self):
            return self.bias

        def call(self, inputs, mask=None, initial_state=None):
            native = native_lstm_layer() if self.unroll else None
            if native is None or mask is not None or initial_state is not None:
                return super().call(inputs, mask, initial_state)  # which refuses the last two
            if self.go_backwards:
                inputs = ops.flip(inputs, axis=1)
            return native(
                inputs, self.kernel, self.recurrent_kernel, self.bias, self.return_sequences
            )

        def recur(self, steps):
            if self.unroll:  # differentiated by hand (core/models/recurrent/lstm_recurrence.py)
                return lstm_recurrence()(steps, self.recurrent_kernel, self.return_sequences)
            return super().recur(steps)

        def step(self, projected, carry):
            h, c = carry
            z = projected + ops.matmul(h, self.recurrent_kernel)
            i, f, candidate, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(candidate)
            return ops.sigmoid(o) * ops.tanh(c), c

    @keras.saving.register_keras_serializable(package="seqlab")
    class FastGRU(FastRecurrent):
        """keras.layers.GRU(units) with its defaults (tanh, sigmoid, reset_after=True)."""

        gates = 3
        states = 1

        def bias_shape(self):
            return (2, 3 * self.units)  # input bias, recurrent bias

        def bias_initializer(self):
            return "zeros"

        def input_bias(self):
            return self.bias[0]

        def step(self, projected, carry):
            (h,) = carry
            inner = ops.matmul(h, self.recurrent_kernel) + self.bias[1]
            x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
            inner_z, inner_r, inner_h = ops.split(inner, 3, axis=-1)
            z = ops.sigmoid(x_z + inner_z)
            r = ops.sigmoid(x_r + inner_r)
            candidate = ops.tanh(x_h + r * inner_h)
            return (z * h + (1 - z) * candidate,)

    return {"lstm": FastLSTM, "gru": FastGRU}
