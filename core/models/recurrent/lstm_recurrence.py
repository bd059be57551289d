"""Keras's LSTM recurrence with a hand-written backward pass, in TensorFlow's ops, for FastLSTM
where this machine's compiled kernels were not built (core/models/kernels/native_lstm.py).

Autodiff through the steps of an LSTM does, at every step, two small matrix products (the
gradient for the previous state and that step's share of the recurrent kernel's gradient)
and a dozen small elementwise ops. Here the forward loop keeps each step's gates; the
backward loop carries only (dh, dc) and does one product a step, dh_{t-1} = dz_t @ U^T; the
recurrent kernel's gradient comes after the loop as one product over all steps,
dU = H_prev^T @ dZ. The input kernel's and bias's gradients follow from dZ by autodiff of the
input projection, which FastLSTM does for all steps at once.

The batch is split into two halves, each its own chain of steps: a (128, 128) @ (128, 512)
product runs no faster with a second thread, but TensorFlow's executor runs two independent
chains on two cores at once. One chain over the whole batch trained slower than Keras's LSTM,
the two halves level with it, not steadily faster (bench/README.md, throughput.py, "Before
the compiled kernels"). Rows of a batch never mix in an LSTM, so this changes nothing but the
order in which dU's sums are added.

Maths: Keras's LSTM with its defaults, gate order i, f, c, o, sigmoid gates, tanh candidate
and output, zero initial states. TensorFlow is imported when `lstm_recurrence()` is first
called.
"""

from functools import cache


@cache
def lstm_recurrence():
    """A function (steps, recurrent_kernel, return_sequences) -> hidden states, where steps
    are the projected inputs x @ W + b, (time, batch, 4 * units), and the result is the last
    hidden state (batch, units) or all of them (time, batch, units)."""
    import tensorflow as tf

    def gate_factors(i, f, candidate, o, c_previous, tanh_c):
        """What [dc, dc, dc, dh] is multiplied by to give the gradient of the step's gate
        pre-activations z (the chain rule through each gate's activation), (batch, 4 * units)."""
        return tf.concat(
            [
                candidate * i * (1 - i),
                c_previous * f * (1 - f),
                i * (1 - tf.square(candidate)),
                tanh_c * o * (1 - o),
            ],
            axis=-1,
        )

    def chain(steps, recurrent_kernel, return_sequences: bool):
        """One chain of steps over part of the batch, differentiated by hand."""

        @tf.custom_gradient
        def run(steps, recurrent_kernel):
            time, units = steps.shape[0], recurrent_kernel.shape[0]
            zeros = tf.zeros((tf.shape(steps)[1], units), dtype=steps.dtype)
            h, c = zeros, zeros
            hidden, saved = [], []
            for projected in tf.unstack(steps, time):
                z = projected + tf.matmul(h, recurrent_kernel)  # (batch, 4 * units)
                i, f, candidate, o = tf.split(z, 4, axis=-1)
                i, f, candidate, o = tf.sigmoid(i), tf.sigmoid(f), tf.tanh(candidate), tf.sigmoid(o)
                c_previous, c = c, f * c + i * candidate
                tanh_c = tf.tanh(c)
                h = o * tanh_c
                hidden.append(h)
                saved.append((i, f, candidate, o, c_previous, tanh_c))
            outputs = tf.stack(hidden) if return_sequences else h

            def backward(d_outputs):
                # Computed from forward values only, so the executor can do them meanwhile.
                factors = [gate_factors(*step) for step in saved]
                # o * d tanh(c) / dc: how the cell state reaches h.
                through_tanh = [o * (1 - tf.square(tanh_c)) for _, _, _, o, _, tanh_c in saved]
                # Transposed once: a product with a transposed operand is slower per step.
                recurrent_kernel_transposed = tf.transpose(recurrent_kernel)
                d_hidden = tf.unstack(d_outputs, time) if return_sequences else None
                d_z = [None] * time
                dh_carried = dc_carried = None
                for t in reversed(range(time)):
                    if return_sequences:
                        dh = d_hidden[t] if dh_carried is None else d_hidden[t] + dh_carried
                    else:
                        dh = d_outputs if dh_carried is None else dh_carried
                    dc = dh * through_tanh[t]
                    if dc_carried is not None:
                        dc = dc + dc_carried
                    d_z[t] = tf.concat([dc, dc, dc, dh], axis=-1) * factors[t]
                    if t > 0:
                        dh_carried = tf.matmul(d_z[t], recurrent_kernel_transposed)
                        dc_carried = dc * saved[t][1]  # times the forget gate
                d_steps = tf.stack(d_z)  # (time, batch, 4 * units)
                h_previous = tf.stack([zeros] + hidden[:-1])  # (time, batch, units)
                d_recurrent_kernel = tf.matmul(
                    tf.reshape(h_previous, (-1, units)),
                    tf.reshape(d_steps, (-1, 4 * units)),
                    transpose_a=True,
                )
                return d_steps, d_recurrent_kernel

            return outputs, backward

        return run(steps, recurrent_kernel)

    def recurrence(steps, recurrent_kernel, return_sequences: bool):
        batch = tf.shape(steps)[1]
        halves = tf.split(steps, tf.stack([batch // 2, batch - batch // 2]), num=2, axis=1)
        recurrent_kernel = tf.convert_to_tensor(recurrent_kernel)
        outputs = [chain(half, recurrent_kernel, return_sequences) for half in halves]
        return tf.concat(outputs, axis=1 if return_sequences else 0)

    return recurrence
