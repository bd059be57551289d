"""Image previews: sizes and first images read from Keras's cached files without Keras, and
bundled datasets previewed without staying in memory."""

import gzip

import numpy as np

from core.data.datasets import load_dataset
from core.data.image_datasets import FASHION_NAMES
from core.data.image_preview import image_preview

RNG = np.random.default_rng(0)
TRAIN_IMAGES = RNG.integers(0, 256, (30, 28, 28), dtype=np.uint8)
TRAIN_LABELS = RNG.integers(0, 10, 30, dtype=np.uint8)


def test_mnist_is_previewed_from_the_cached_npz(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    np.savez(
        tmp_path / "datasets" / "mnist.npz",
        x_train=TRAIN_IMAGES,
        y_train=TRAIN_LABELS,
        x_test=np.zeros((12, 28, 28), np.uint8),
        y_test=np.zeros(12, np.uint8),
    )
    preview = image_preview("mnist", count=5)
    assert (preview.examples, preview.timesteps, preview.features) == (42, 28, 28)
    assert np.allclose(preview.samples, TRAIN_IMAGES[:5] / 255.0)
    assert preview.sample_labels.tolist() == TRAIN_LABELS[:5].tolist()


def idx_file(path, header: list[int], data: np.ndarray) -> None:
    with gzip.open(path, "wb") as stream:
        stream.write(np.array(header, ">i4").tobytes() + data.tobytes())


def test_fashion_mnist_is_previewed_from_the_cached_idx_files(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    idx_file(folder / "train-images-idx3-ubyte.gz", [2051, 30, 28, 28], TRAIN_IMAGES)
    idx_file(folder / "train-labels-idx1-ubyte.gz", [2049, 30], TRAIN_LABELS)
    idx_file(folder / "t10k-images-idx3-ubyte.gz", [2051, 7, 28, 28], TRAIN_IMAGES[:7])
    idx_file(folder / "t10k-labels-idx1-ubyte.gz", [2049, 7], TRAIN_LABELS[:7])
    preview = image_preview("fashion-mnist", count=100)
    assert preview.examples == 37 and preview.class_names == FASHION_NAMES
    assert preview.samples.shape == (30, 28, 28)  # no more than the training file holds
    assert np.allclose(preview.samples, TRAIN_IMAGES / 255.0)
    assert preview.sample_labels.tolist() == TRAIN_LABELS.tolist()


def test_a_bundled_dataset_is_previewed_without_being_kept_loaded():
    load_dataset.cache_clear()
    preview = image_preview("digits", count=10)
    assert (preview.examples, preview.samples.shape) == (1797, (10, 8, 8))
    assert preview.sample_labels.tolist() == list(range(10))
    assert load_dataset.cache_info().currsize == 0
