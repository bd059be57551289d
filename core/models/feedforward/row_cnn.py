"""A convolution over an image's rows in the manner of Kim (2014): each row a timestep, its
pixels the features, filters a few rows tall, max-pooled over every position.

The network: per-feature standardisation (learned from the training rows and saved inside the
model) -> for each filter width, a 1-D convolution down the rows with ReLU, and the largest
response of each filter anywhere in the image (global max pooling) -> those maxima of every
width side by side -> dropout -> a softmax over classes. Where a recurrent network carries a
state from the first row to the last, this one matches patterns a few rows tall wherever they
sit. It trains like the recurrent classifier (core/models/recurrent/sequence_classifier.py);
TensorFlow is imported only when a model is built or loaded.
"""

from dataclasses import dataclass

import numpy as np

from core.configs import SearchRange, setting
from core.errors import InvalidConfig
from core.models.recurrent.keras_training import (
    KerasTrainingConfig,
    compile_classifier,
    steps_per_epoch,
)
from core.models.recurrent.sequence_classifier import RecurrentClassifier

# Kim's 3,4,5 and neighbours, all within the 8 rows of the smallest images (digits).
WIDTHS = ("1,2,3", "2,3,4", "3,4,5", "2,3,4,5", "3,5,7")


@dataclass(frozen=True)
class RowCnnConfig(KerasTrainingConfig):
    filters: int = setting(
        128,
        "Filters per width: each learns one pattern a few rows tall and keeps its strongest "
        "match in the image.",
        minimum=1,
        maximum=4096,
        hosted_maximum=256,
        search=SearchRange(32, 256, log=True),
    )
    widths: str = setting(
        "3,4,5",
        "Heights, in rows, of the parallel convolutions: 3,4,5 runs filters 3, 4 and 5 rows "
        "tall side by side.",
        choices=WIDTHS,
        search=SearchRange(choices=WIDTHS),
    )
    # Kim (2014) dropped half of the pooled features.
    dropout: float = setting(
        0.5,
        "Share of the pooled features dropped in training, before the softmax.",
        minimum=0.0,
        maximum=0.9,
        search=SearchRange(0.0, 0.6),
    )


def width_list(config: RowCnnConfig, rows: int) -> list[int]:
    """The widths of `config`; InvalidConfig (a ValueError) if one is taller than the
    images' `rows`."""
    widths = [int(width) for width in config.widths.split(",")]
    if max(widths) > rows:
        raise InvalidConfig(
            f"widths {config.widths} needs images of at least {max(widths)} rows; these have "
            f"{rows}. Choose narrower widths."
        )
    return widths


class RowCnnClassifier(RecurrentClassifier):
    """Parallel 1-D convolutions down an image's rows, max-pooled, with a softmax.

    Seeded, fitted, saved and asked for predictions exactly as the recurrent classifier is:
    only the network `_build` makes differs.
    """

    config_class = RowCnnConfig

    def _build(self, config: RowCnnConfig, X: np.ndarray):
        import keras

        widths = width_list(config, X.shape[1])
        normalization = keras.layers.Normalization(axis=-1, name="standardize")
        normalization.adapt(X.reshape(-1, X.shape[2]))  # statistics per feature, over all rows
        inputs = keras.Input(shape=X.shape[1:], name="rows")  # (batch, time, features)
        standardized = normalization(inputs)
        pooled = [
            keras.layers.GlobalMaxPooling1D()(  # (batch, filters): each filter's best match
                keras.layers.Conv1D(config.filters, width, activation="relu")(standardized)
            )
            for width in widths
        ]
        hidden = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate()(pooled)
        hidden = keras.layers.Dropout(config.dropout)(hidden)
        outputs = keras.layers.Dense(len(self.classes_), activation="softmax")(hidden)
        model = keras.Model(inputs, outputs, name="row_cnn_classifier")
        compile_classifier(model, config, config.epochs * steps_per_epoch(len(X), config))
        return model
