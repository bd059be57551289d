"""What every seqlab model shares, in scikit-learn's manner: hyperparameters in, a file out.

The constructor stores a typed config and a seed, nothing else; `resolved_config` is the config
in use; `save` writes the fitted model atomically through the subclass's `_write`, so a
reader sees the old file or the whole new one. Classifiers, language models and taggers
build their own `fit` on top.
"""

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from core.files import write_atomically


class Estimator(ABC):
    config_class: type
    artifact_suffix: str
    # A neural run records the tf.distribute strategy and devices it trained on, which asks
    # TensorFlow; a network trained without it (scikit-learn's MLP) says False here, so
    # recording its run does not import TensorFlow.
    trains_on_tensorflow: bool = True

    def __init__(self, config: Any = None, random_state: int = 0) -> None:
        self.config = config
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict:
        return {"config": self.config, "random_state": self.random_state}

    @property
    def resolved_config(self) -> Any:
        """The config in use: the one given, or the class defaults."""
        return self.config if self.config is not None else self.config_class()

    def save(self, path: Path) -> Path:
        """Write the model atomically through the subclass's `_write(path)`."""
        return write_atomically(path, self._write)

    @abstractmethod
    def count_params(self) -> int:
        """How many learned numbers the model holds."""

    @abstractmethod
    def _write(self, path: Path) -> None:
        """Write the fitted model to `path` (which ends in `artifact_suffix`)."""

    @abstractmethod
    def _read(self, path: Path) -> None:
        """Restore what `_write` wrote: everything the fitted model learnt (attributes ending
        in `_`)."""

    @classmethod
    def load(cls, path: Path, config: Any) -> "Estimator":
        """Rebuild a fitted model from its artifact and the config the store keeps."""
        model = cls(config)
        model._read(Path(path))
        return model
