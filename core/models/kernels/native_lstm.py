"""FastLSTM's whole layer on the compiled kernels (core/models/kernels/lstm_kernels.cc), with its
gradient.

One op runs every step forward, one runs them backward and returns the weights' gradients, each with
the batch split into as many blocks as TensorFlow has intra-op threads. The inputs' gradient,
d_gates @ W^T, is left to a TensorFlow product, which a traced graph drops where nothing needs it (a
first layer's inputs are data). Maths, weights and outputs are FastLSTM's, that is Keras's LSTM's
(tests/core/models/test_fast_recurrent.py, tests/core/models/test_native_kernels.py); where the
kernels were not built `native_lstm_layer()` is None and FastLSTM steps the recurrence in
TensorFlow's ops (core/models/recurrent/lstm_recurrence.py). TensorFlow is imported when the layer
is first asked for.
"""

from functools import cache

from core.models.kernels.build import native_lstm_ops


@cache
def native_lstm_layer():
    """A function (inputs, kernel, recurrent_kernel, bias, return_sequences) -> the hidden
    states, for inputs (batch, time, features): the last (batch, units), or all of them
    (batch, time, units); or None where the compiled kernels are not available."""
    ops = native_lstm_ops()
    if ops is None:
        return None
    import tensorflow as tf

    def layer(inputs, kernel, recurrent_kernel, bias, return_sequences: bool):
        @tf.custom_gradient
        def run(inputs, kernel, recurrent_kernel, bias):
            hidden, cells, gates = ops.seqlab_lstm_forward(inputs, kernel, recurrent_kernel, bias)

            def backward(d_outputs):
                d_gates, d_kernel, d_recurrent_kernel, d_bias = ops.seqlab_lstm_backward(
                    d_outputs, inputs, kernel, recurrent_kernel, hidden, cells, gates
                )
                features, width = tf.shape(kernel)[0], tf.shape(kernel)[1]
                # As one 2-D product: a 3-D one runs as a batched product, far slower.
                d_inputs = tf.reshape(
                    tf.matmul(tf.reshape(d_gates, (-1, width)), kernel, transpose_b=True),
                    tf.concat([tf.shape(inputs)[:2], [features]], axis=0),
                )
                return d_inputs, d_kernel, d_recurrent_kernel, d_bias

            return (hidden if return_sequences else hidden[:, -1]), backward

        weights = (kernel, recurrent_kernel, bias)
        return run(tf.convert_to_tensor(inputs), *map(tf.convert_to_tensor, weights))

    return layer
