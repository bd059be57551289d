import numpy as np
import pytest

from core.data import image_datasets
from core.data.datasets import DATASETS, load_dataset
from core.errors import DatasetUnavailable


def test_digits_are_eight_rows_of_eight_pixels_in_unit_range():
    data = load_dataset("digits")
    assert data.images.shape == (1797, 8, 8)
    assert (data.timesteps, data.features) == (8, 8)
    assert 0.0 <= data.images.min() and data.images.max() == 1.0
    assert not data.images.flags.writeable


def test_mnist_5k_is_shuffled_and_balanced():
    data = load_dataset("mnist-5k")
    assert data.images.shape == (5000, 28, 28)
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert len(set(data.labels[:50].tolist())) > 5  # the file itself is sorted by label


def test_offline_network_dataset_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(image_datasets, "_host_reachable", lambda host, port: False)
    load_dataset.cache_clear()
    reason = DATASETS["mnist"].availability()
    assert "not cached" in reason and "digits" in reason
    with pytest.raises(DatasetUnavailable, match="Connect to the internet once"):
        load_dataset("mnist")


def test_cached_keras_file_counts_as_available_without_network(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(image_datasets, "_host_reachable", lambda host, port: False)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"cached")
    assert DATASETS["mnist"].availability() is None


def test_keras_loader_pools_and_scales_the_recorded_arrays(monkeypatch):
    """The loader's own code on a small recorded array instead of the 11 MB download."""
    import keras

    rng = np.random.default_rng(0)
    recorded = (
        (rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.arange(6) % 3),
        (rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), np.arange(3)),
    )
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: recorded)
    data = image_datasets._keras_loader("mnist", image_datasets.DIGIT_NAMES)()
    assert data.images.shape == (9, 28, 28) and data.images.max() <= 1.0
    assert data.labels.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]


def test_unknown_dataset():
    with pytest.raises(DatasetUnavailable, match="Unknown dataset"):
        load_dataset("cifar")
