"""A Keras training step that runs each batch in several passes: the same update, less memory.

A recurrent network keeps every time step's activations of the whole batch until its
backward pass: on hamlet segmentation, training the tagger at its batch of 128 peaked far
above a batch of 32 (bench/README.md, app_session.py, "The tagger in passes"). Here each
batch is cut into `passes` consecutive slices, run one after another in a `tf.while_loop` (so
a slice's activations are freed before the next one starts, and 4 passes come close to a
batch of 32's peak), and their gradients are summed, each slice's weighted by the number of
positions its loss averages over. The update then equals the whole batch's: the same mean
loss over the same positions, an embedding's gradient kept as the same sparse rows, and one
optimiser step per batch, so its step count and learning-rate schedule are unchanged. Only
dropout draws its random masks slice by slice.

Keras's optimizer option `gradient_accumulation_steps` is not the same: it averages
consecutive small batches with equal weights, lets an update straddle two epochs and
drops the gradients of a final incomplete group. TensorFlow is imported when the step is
built.
"""

from collections.abc import Callable


def train_in_passes(model, passes: int, loss_mask: Callable) -> None:
    """Make `model.fit` run each batch in `passes` slices (fewer when a batch is smaller).

    `loss_mask(x)` is True at the positions of the inputs `x` that the model's loss averages
    over (for a tagger, its non-padding tokens): each slice's loss is weighted by how many it
    has, and the batch's accuracy counts only those. `model` must be compiled. Keras's
    private `_compute_loss` and `_loss_tracker` are used as its own `train_step` uses them.
    """
    import keras
    import tensorflow as tf
    from keras.src.backend.common.masking import set_keras_mask
    from keras.src.losses.loss import unscale_loss_for_distribution

    weights = model.trainable_weights
    # An embedding's gradient is sparse: rows, one per token occurrence. Those are kept as
    # Keras's whole batch gives them (Adam squares each occurrence's row apart), not summed
    # into a dense tensor, which Adam would treat differently.
    embeddings = [
        layer.embeddings for layer in model.layers if isinstance(layer, keras.layers.Embedding)
    ]
    sparse = [any(weight is table for table in embeddings) for weight in weights]
    dense_weights = [w for w, is_sparse in zip(weights, sparse, strict=True) if not is_sparse]
    sparse_weights = [w for w, is_sparse in zip(weights, sparse, strict=True) if is_sparse]

    def train_step(data):
        x, y = data[0], data[1]
        size = tf.shape(y)[0]
        count = tf.minimum(passes, size)
        bounds = tf.range(count + 1) * size // count  # slices differ by at most one row

        def one_pass(index, sums, values, indices, loss_sum, positions, predictions):
            """Slice `index`: its loss summed over its positions, and that sum's gradients."""
            x_part = x[bounds[index] : bounds[index + 1]]
            y_part = y[bounds[index] : bounds[index + 1]]
            with tf.GradientTape() as tape:
                y_pred = model(x_part, training=True)
                part_positions = tf.reduce_sum(tf.cast(loss_mask(x_part), y_pred.dtype))
                total = part_positions * model._compute_loss(
                    x=x_part, y=y_part, y_pred=y_pred, training=True
                )
            gradients = tape.gradient(total, weights)
            if [isinstance(g, tf.IndexedSlices) for g in gradients] != sparse:
                raise TypeError("Only the embeddings' gradients may be (and are) sparse.")
            dense = [g for g, is_sparse in zip(gradients, sparse, strict=True) if not is_sparse]
            rows = [g for g, is_sparse in zip(gradients, sparse, strict=True) if is_sparse]
            return (
                index + 1,
                [running + gradient for running, gradient in zip(sums, dense, strict=True)],
                [array.write(index, g.values) for array, g in zip(values, rows, strict=True)],
                [array.write(index, g.indices) for array, g in zip(indices, rows, strict=True)],
                loss_sum + total,
                positions + part_positions,
                predictions.write(index, y_pred),
            )

        def arrays(dtype, how_many: int):
            return [tf.TensorArray(dtype, size=count, infer_shape=False) for _ in range(how_many)]

        _, sums, values, indices, loss_sum, positions, predictions = tf.while_loop(
            lambda index, *_: index < count,
            one_pass,
            (
                tf.constant(0),
                [tf.zeros(weight.shape, weight.dtype) for weight in dense_weights],
                arrays(tf.float32, len(sparse_weights)),
                arrays(tf.int64, len(sparse_weights)),
                tf.constant(0.0),
                tf.constant(0.0),
                arrays(tf.float32, 1)[0],
            ),
            parallel_iterations=1,  # one slice at a time: that is the point
        )
        positions = tf.maximum(positions, 1.0)
        dense = iter([running / positions for running in sums])
        rows = iter(
            tf.IndexedSlices(
                row_values.concat() / positions,
                row_indices.concat(),
                tf.constant(tuple(table.shape), tf.int64),  # all-reduce reads its dtype
            )
            for row_values, row_indices, table in zip(values, indices, sparse_weights, strict=True)
        )
        gradients = [next(rows) if is_sparse else next(dense) for is_sparse in sparse]
        model.optimizer.apply_gradients(zip(gradients, weights, strict=True))
        model._loss_tracker.update_state(
            unscale_loss_for_distribution(loss_sum / positions), sample_weight=size
        )
        y_pred = tf.ensure_shape(predictions.concat(), model.output.shape)
        set_keras_mask(y_pred, loss_mask(x))
        return model.compute_metrics(x, y, y_pred, sample_weight=None)

    model.train_step = train_step
