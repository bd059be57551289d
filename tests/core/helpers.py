"""Small data and configs that make every registered model train in about a second."""

import numpy as np

from core.datasets import load_dataset
from core.registry import ModelSpec

TINY_SETTINGS = {"epochs": 2, "units": 8, "layers": 1, "batch_size": 32}


def tiny_config(spec: ModelSpec, **extra):
    names = {setting for setting in spec.default_config().__dataclass_fields__}
    settings = {key: value for key, value in TINY_SETTINGS.items() if key in names}
    return spec.config_with({**settings, **extra})


def digits_slice(count: int = 200) -> tuple[np.ndarray, np.ndarray]:
    data = load_dataset("digits")
    return np.array(data.images[:count]), np.array(data.labels[:count])
