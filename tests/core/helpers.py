"""Small data and configs that make every registered model train in about a second."""

import os

import numpy as np
import pytest

from core.data.datasets import DATASETS, load_dataset
from core.models.registry import ModelSpec

TINY_SETTINGS = {
    "epochs": 2,
    "units": 8,
    "layers": 1,
    "batch_size": 32,
    "embedding_dim": 8,
    # One L-BFGS iteration per round, so logistic baselines take several rounds even on tiny
    # data (the stop tests need a second round to cut).
    "iterations_per_epoch": 1,
}


def tiny_config(spec: ModelSpec, **extra):
    names = {setting for setting in spec.default_config().__dataclass_fields__}
    settings = {key: value for key, value in TINY_SETTINGS.items() if key in names}
    return spec.config_with({**settings, **extra})


def digits_slice(count: int = 200) -> tuple[np.ndarray, np.ndarray]:
    data = load_dataset("digits")
    return np.array(data.images[:count]), np.array(data.labels[:count])


def polarity_texts() -> tuple[np.ndarray, np.ndarray]:
    """The 200 bundled polarity sentences, shuffled with a fixed seed (the file is sorted)."""
    data = load_dataset("polarity")
    order = np.random.default_rng(0).permutation(len(data.texts))
    return np.array(data.texts[order]), np.array(data.labels[order])


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip the test for `reason`, or fail it where the environment variable `required_by` says
    this part of set-up must have worked (.ci/run sets them)."""
    if os.environ.get(required_by):
        pytest.fail(reason)
    pytest.skip(reason)


def require_pack(pack: str) -> None:
    """Skip (fail under SEQLAB_REQUIRE_PACKS) while a data pack is not fetched."""
    from core.data.packs import pack_unavailable

    reason = pack_unavailable(pack)
    if reason:
        skip_or_fail(reason, "SEQLAB_REQUIRE_PACKS")


def loaded(name: str):
    """The dataset, or a skip (a failure under SEQLAB_REQUIRE_PACKS) while its pack is missing."""
    reason = DATASETS[name].availability()
    if reason:
        skip_or_fail(reason, "SEQLAB_REQUIRE_PACKS")
    return load_dataset(name)


def require_native_kernels() -> None:
    """Skip (fail under SEQLAB_REQUIRE_NATIVE) where the compiled LSTM kernels were not built."""
    from core.models.kernels.build import native_lstm_ops

    if native_lstm_ops() is None:
        skip_or_fail("compiled LSTM kernels not built (make native)", "SEQLAB_REQUIRE_NATIVE")
