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

Masks (from `Embedding(mask_zero=True)`) are Keras's: a masked step leaves the states as they
were, so its output repeats the previous one (zeros before the first unmasked step), or is zeros
with `zero_output_for_mask`, which `keras.layers.Bidirectional` turns on for the layers it wraps
that return sequences; with `return_sequences` the mask is passed on. A masked LSTM steps its
recurrence in TensorFlow's ops, differentiated by autodiff: the compiled kernels and the
hand-written backward pass take no mask. The loop is unrolled where the number of timesteps is
known when the graph is traced, else (and with `unroll=False`) a while loop; the compiled
kernels take any length.

What they leave out: dropout inside the recurrence, initial states and returned states.
`go_backwards` is kept so `keras.layers.Bidirectional` wraps them. The classes are registered
for safe-mode loading when `fast_recurrent_classes()` is first called; TensorFlow is imported
only then.
"""

from functools import cache

from core.models.kernels.native_lstm import native_lstm_layer
from core.models.recurrent.lstm_recurrence import lstm_recurrence


def recurrent_layer_class(cell: str):
    """The layer class seqlab's models build for a cell ("rnn", "lstm" or "gru"): Keras's
    SimpleRNN, the fast LSTM and GRU; but where a GPU is visible the LSTM is Keras's, which
    runs cuDNN's fused kernel there (the compiled kernels are CPU ops)."""
    import keras
    import tensorflow as tf

    if cell == "rnn":
        return keras.layers.SimpleRNN
    if cell == "lstm" and tf.config.list_logical_devices("GPU"):
        return keras.layers.LSTM
    return fast_recurrent_classes()[cell]


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
            zero_output_for_mask: bool = False,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.units = units
            self.return_sequences = return_sequences
            self.go_backwards = go_backwards
            self.unroll = unroll
            # Set by keras.layers.Bidirectional to return_sequences, as on Keras's layers.
            self.zero_output_for_mask = zero_output_for_mask
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

        def compute_mask(self, inputs, mask=None):
            return mask if self.return_sequences else None

        def compute_output_shape(self, input_shape):
            if self.return_sequences:
                return (input_shape[0], input_shape[1], self.units)
            return (input_shape[0], self.units)

        def call(self, inputs, mask=None, initial_state=None):
            if initial_state is not None:
                raise ValueError(f"{type(self).__name__} always starts from zero states.")
            if mask is not None:  # (batch, time) -> (time, batch, 1), as the steps are
                mask = ops.expand_dims(ops.transpose(ops.cast(mask, "bool")), -1)
            if self.go_backwards:
                inputs = ops.flip(inputs, axis=1)
                mask = None if mask is None else ops.flip(mask, axis=0)
            outputs = self.recur(self.project(inputs), mask)
            if mask is not None and self.zero_output_for_mask:
                kept = mask if self.return_sequences else mask[-1]
                outputs = ops.where(kept, outputs, ops.zeros_like(outputs))
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

        def recur(self, steps, mask=None):
            """The hidden states from the projected inputs (time, batch, gates * units): the
            last (batch, units), or all (time, batch, units) with return_sequences. Where the
            mask (time, batch, 1) is False, a step keeps the states it was given."""
            zeros = ops.zeros((ops.shape(steps)[1], self.units), dtype=steps.dtype)
            carry = (zeros,) * self.states
            time = steps.shape[0]
            if self.unroll and time is not None:
                outputs = []
                for index, step in enumerate(ops.unstack(steps, time, axis=0)):
                    carry = self.masked_step(step, carry, None if mask is None else mask[index])
                    outputs.append(carry[0])
                return ops.stack(outputs) if self.return_sequences else outputs[-1]

            return self.loop(steps, carry, mask)

        def loop(self, steps, carry, mask):
            """`recur` in a while loop, for any number of timesteps. TensorFlow's own loop, as
            in Keras's RNN layers: Keras's scan keeps the carry in TensorArrays and stacks every
            state, which trained a masked LSTM slower than Keras's layer (bench/README.md,
            "Text models on the fast layers")."""
            import tensorflow as tf

            time = tf.shape(steps)[0]
            steps_array = tf.TensorArray(steps.dtype, size=time).unstack(steps)
            masks_array = None if mask is None else tf.TensorArray(tf.bool, size=time).unstack(mask)
            outputs = tf.TensorArray(steps.dtype, size=time if self.return_sequences else 0)

            def body(index, carry, outputs):
                kept = None if mask is None else masks_array.read(index)
                carry = self.masked_step(steps_array.read(index), carry, kept)
                if self.return_sequences:
                    outputs = outputs.write(index, carry[0])
                return index + 1, carry, outputs

            _, carry, outputs = tf.while_loop(
                lambda index, *_: index < time,
                body,
                (tf.constant(0), carry, outputs),
                parallel_iterations=32,  # as Keras's RNN layers
            )
            return outputs.stack() if self.return_sequences else carry[0]

        def masked_step(self, projected, carry, kept):
            """`step`, but rows whose `kept` (batch, 1) is False keep their previous states."""
            stepped = self.step(projected, carry)
            if kept is None:
                return stepped
            return tuple(ops.where(kept, new, old) for new, old in zip(stepped, carry, strict=True))

        def get_config(self):
            return {
                **super().get_config(),
                "units": self.units,
                "return_sequences": self.return_sequences,
                "go_backwards": self.go_backwards,
                "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
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
                return super().call(inputs, mask, initial_state)  # which refuses initial states
            if self.go_backwards:
                inputs = ops.flip(inputs, axis=1)
            return native(
                inputs, self.kernel, self.recurrent_kernel, self.bias, self.return_sequences
            )

        def recur(self, steps, mask=None):
            if self.unroll and mask is None and steps.shape[0] is not None:
                # Differentiated by hand (core/models/recurrent/lstm_recurrence.py).
                return lstm_recurrence()(steps, self.recurrent_kernel, self.return_sequences)
            return super().recur(steps, mask)

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
