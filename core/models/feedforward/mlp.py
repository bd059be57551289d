"""A multilayer perceptron: dense ReLU layers and a softmax over flattened images or TF-IDF.

The rung between logistic regression and the recurrent networks: deeper than a linear model,
yet as blind as one to the order of rows or words. scikit-learn's MLPClassifier trains it
(Adam, an L2 penalty), one `partial_fit` pass per epoch, so it reports every epoch and stops
between them like the Keras models without importing TensorFlow, and takes sparse TF-IDF rows
as they are. The fitted layers are saved as plain arrays (np.savez, no pickle); predictions
are a NumPy forward pass over them, in training and after loading alike.
"""

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import SearchRange, Setting, setting
from core.errors import TrainingStopped
from core.models.baselines.tfidf_features import FEATURES, TfidfConfig, TfidfFeatures
from core.models.classifiers import SequenceClassifier, TextClassifier
from core.models.recurrent.keras_training import BATCH_SIZE, EPOCHS, LEARNING_RATE
from core.progress import TrainingObserver

HIDDEN_UNITS = Setting(
    "Units in each hidden layer.",
    minimum=1,
    maximum=4096,
    hosted_maximum=512,
    search=SearchRange(64, 512, log=True),
)
HIDDEN_LAYERS = Setting(
    "Hidden layers between the inputs and the softmax.",
    minimum=1,
    maximum=4,
    hosted_maximum=2,
    search=SearchRange(1, 2),
)
L2_PENALTY = Setting(
    "alpha: the L2 penalty on the weights; larger values regularise more strongly.",
    minimum=0.0,
    maximum=10.0,
    search=SearchRange(1e-5, 1e-1, log=True),
)
SCORING_ROWS = 2048  # rows per forward pass when scoring, to bound the hidden layers' memory


@dataclass(frozen=True)
class MlpConfig:
    units: int = HIDDEN_UNITS.field(256)
    # A second layer adds about a point of test accuracy on digits (seed 0).
    layers: int = HIDDEN_LAYERS.field(2)
    alpha: float = L2_PENALTY.field(1e-4)
    learning_rate: float = LEARNING_RATE.field(1e-3)
    batch_size: int = BATCH_SIZE.field(64)
    epochs: int = EPOCHS.field(40)


@dataclass(frozen=True)
class MlpTextConfig(TfidfConfig, MlpConfig):
    # Words and characters, as the TF-IDF baseline takes them: ahead of words alone on
    # sms-spam, within a point on trec-questions and rotten-tomatoes (seed 0).
    features: str = FEATURES.field("words+characters")
    max_features: int = setting(
        20_000,
        "Keep at most this many of the most frequent terms per kind; each is an input of the "
        "first layer, which holds terms x units weights.",
        minimum=1,
        maximum=1_000_000,
        hosted_maximum=50_000,
    )
    # Tens of thousands of inputs and a few thousand texts: a small layer, a strong penalty
    # and few epochs, as it fits the training texts within two or three.
    units: int = HIDDEN_UNITS.field(64, search=SearchRange(16, 256, log=True))
    layers: int = HIDDEN_LAYERS.field(1)
    alpha: float = L2_PENALTY.field(1e-2)
    epochs: int = EPOCHS.field(10)


def forward(coefficients: list, intercepts: list, inputs) -> np.ndarray:
    """Class probabilities from the layers, as MLPClassifier computes them: ReLU hidden
    layers, then a softmax, or for two classes one logistic unit (the positive class)."""
    from scipy.special import expit, softmax

    probabilities = []
    for start in range(0, inputs.shape[0], SCORING_ROWS):
        hidden = inputs[start : start + SCORING_ROWS]
        for weights, bias in zip(coefficients[:-1], intercepts[:-1], strict=True):
            hidden = np.maximum(hidden @ weights + bias, 0.0)
        logits = hidden @ coefficients[-1] + intercepts[-1]  # (rows, outputs)
        if logits.shape[1] == 1:
            positive = expit(logits)
            probabilities.append(np.hstack([1.0 - positive, positive]))
        else:
            probabilities.append(softmax(logits, axis=1))
    return np.concatenate(probabilities)


def _scores(probabilities: np.ndarray, y: np.ndarray, prefix: str = "") -> dict[str, float]:
    """Cross entropy ("loss") and accuracy of class probabilities against labels 0..k-1."""
    chosen = np.clip(probabilities[np.arange(len(y)), y], 1e-7, 1.0)
    return {
        f"{prefix}loss": float(-np.mean(np.log(chosen))),
        f"{prefix}accuracy": float(np.mean(np.argmax(probabilities, axis=1) == y)),
    }


class MultilayerPerceptron(ABC):
    """What both perceptrons share; each says how its inputs become a matrix of features
    (`_features`), and the text one what it learns and saves to make them."""

    artifact_suffix = ".npz"
    trains_on_tensorflow = False

    def _fit_features(self, config, X):
        """The training inputs as a (examples, features) matrix, learning how to make one."""
        return self._features(X)

    @abstractmethod
    def _features(self, X):
        """Checked inputs as a (examples, features) matrix."""

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        from sklearn.neural_network import MLPClassifier

        features = self._fit_features(config, X)
        if validation is not None:
            validation = (self._features(validation[0]), validation[1])
        network = MLPClassifier(
            hidden_layer_sizes=(config.units,) * config.layers,
            alpha=config.alpha,
            batch_size=min(config.batch_size, len(y)),
            learning_rate_init=config.learning_rate,
            random_state=self.random_state,  # initial weights and each epoch's shuffle
        )
        labels = np.arange(len(self.classes_))
        observer.on_train_begin(config.epochs, 1)
        if observer.should_stop():
            raise TrainingStopped("Stopped before the first epoch of training.")
        for epoch in range(1, config.epochs + 1):
            started = time.perf_counter()
            network.partial_fit(features, y, classes=labels)  # one shuffled pass: an epoch
            self.coefs_, self.intercepts_ = network.coefs_, network.intercepts_
            logs = _scores(self._forward(features), y)
            if validation is not None:
                logs.update(_scores(self._forward(validation[0]), validation[1], prefix="val_"))
            logs["seconds"] = time.perf_counter() - started
            record = {"epoch": epoch, "complete": True, **logs}
            self.history_.append(record)
            observer.on_batch_end(epoch, 1, logs)
            observer.on_epoch_end(epoch, record)
            if observer.should_stop():
                self.stopped_ = True
                return

    def _forward(self, features) -> np.ndarray:
        return forward(self.coefs_, self.intercepts_, features)

    def predict_proba(self, X) -> np.ndarray:
        return self._forward(self._features(self._check_inputs(X)))

    def count_params(self) -> int:
        return int(sum(layer.size for layer in [*self.coefs_, *self.intercepts_]))

    def _arrays(self) -> dict[str, np.ndarray]:
        """What the fitted model learnt, as named plain arrays."""
        layers = {f"coefficients_{index}": layer for index, layer in enumerate(self.coefs_)}
        biases = {f"intercepts_{index}": layer for index, layer in enumerate(self.intercepts_)}
        return {**layers, **biases}

    def _restore(self, arrays) -> None:
        """Take back what `_arrays` gave."""
        layer_count = self.resolved_config.layers + 1
        self.coefs_ = [arrays[f"coefficients_{index}"] for index in range(layer_count)]
        self.intercepts_ = [arrays[f"intercepts_{index}"] for index in range(layer_count)]

    def _write(self, path: Path) -> None:
        # Plain arrays, not a pickle: loading the file can never run code.
        with open(path, "wb") as stream:
            np.savez_compressed(stream, **self._arrays())

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self._restore(arrays)


class MlpSequenceClassifier(MultilayerPerceptron, SequenceClassifier):
    """A multilayer perceptron on each image's pixels, its rows laid end to end."""

    config_class = MlpConfig

    def _features(self, X: np.ndarray) -> np.ndarray:
        return X.reshape(len(X), -1)  # (examples, timesteps * features)


class MlpTextClassifier(MultilayerPerceptron, TextClassifier):
    """A multilayer perceptron on TF-IDF n-gram features (sparse, as they come)."""

    config_class = MlpTextConfig

    def _fit_features(self, config, X):
        self.features_ = TfidfFeatures(config)
        return self.features_.fit_transform(X)

    def _features(self, X):
        return self.features_.transform(X)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {**super()._arrays(), **self.features_.arrays()}

    def _restore(self, arrays) -> None:
        super()._restore(arrays)
        self.features_ = TfidfFeatures.from_arrays(self.resolved_config, arrays)
