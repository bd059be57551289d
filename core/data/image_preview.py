"""A small preview of an image dataset: its sizes and its first images, not the whole set.

MNIST and Fashion-MNIST are 70,000 images, about 220 MB as the float32 arrays models read, and
Keras's loader that reads them imports TensorFlow. A page that only shows a dataset's sizes and
a few of its images needs none of that: once Keras has cached a dataset's files, the preview
reads the array headers and the first images straight from them (kilobytes, no Keras). Before
that, and for the small bundled datasets, the dataset is loaded without the memo of
`load_dataset`, so only the preview outlives the call. In hosted mode the page asks the model
worker for it (dashboard/hosting.py, `in_worker`), so a first download and load happen there.
"""

import gzip
import zipfile
from dataclasses import dataclass

import numpy as np

from core.data.datasets import load_dataset
from core.data.image_datasets import (
    DIGIT_NAMES,
    FASHION_NAMES,
    _keras_cache_ready,
    _keras_datasets_dir,
)

SAMPLES = 100  # images kept: a grid of 20 and the choice for the sequence view, 300 KB at 28x28
IDX_IMAGES_HEADER, IDX_LABELS_HEADER = 16, 8  # bytes before the data in an idx file


@dataclass(frozen=True)
class ImagePreview:
    """What the dataset overview shows: `samples` are the first images, (count, timesteps,
    features) in [0, 1], with their `sample_labels`."""

    name: str
    examples: int
    class_names: tuple[str, ...]
    samples: np.ndarray
    sample_labels: np.ndarray

    @property
    def timesteps(self) -> int:
        return self.samples.shape[1]

    @property
    def features(self) -> int:
        return self.samples.shape[2]


def image_preview(name: str, count: int = SAMPLES) -> ImagePreview:
    """The preview of the image dataset `name`; raises DatasetUnavailable as loading does."""
    if name in KERAS_FILES and _keras_cache_ready(name):
        read, class_names = KERAS_FILES[name]
        examples, images, labels = read(count)
        # As Keras's loader makes them, whose pooled set starts with these training images.
        samples = images.astype(np.float32) / 255.0
        return ImagePreview(name, examples, class_names, samples, labels.astype(np.int64))
    data = load_dataset.__wrapped__(name)  # not memoised: the whole set is dropped on return
    return ImagePreview(
        name,
        len(data.labels),
        data.class_names,
        np.array(data.images[:count]),  # copies, so the full arrays are not kept alive
        np.array(data.labels[:count]),
    )


def _npy_head(archive: zipfile.ZipFile, member: str, count: int) -> tuple[int, np.ndarray]:
    """The length of the array stored as `member` of an .npz, and its first `count` rows."""
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(stream)
        rows = min(count, shape[0])
        row_items = int(np.prod(shape[1:], dtype=np.int64))
        data = np.frombuffer(stream.read(rows * row_items * dtype.itemsize), dtype)
        return shape[0], data.reshape(rows, *shape[1:])


def _mnist_head(count: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Keras's mnist.npz: its x_train, y_train, x_test, y_test arrays."""
    with zipfile.ZipFile(_keras_datasets_dir() / "mnist.npz") as archive:
        train, images = _npy_head(archive, "x_train.npy", count)
        _, labels = _npy_head(archive, "y_train.npy", count)
        test, _ = _npy_head(archive, "x_test.npy", 0)
    return train + test, images, labels


def _fashion_head(count: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Keras's Fashion-MNIST files: gzipped idx files, big-endian int32 sizes, then bytes."""
    folder = _keras_datasets_dir() / "fashion-mnist"
    with gzip.open(folder / "train-images-idx3-ubyte.gz") as stream:
        _, train, rows, columns = np.frombuffer(stream.read(IDX_IMAGES_HEADER), ">i4")
        shown = min(count, int(train))
        images = np.frombuffer(stream.read(shown * rows * columns), np.uint8)
    with gzip.open(folder / "train-labels-idx1-ubyte.gz") as stream:
        stream.read(IDX_LABELS_HEADER)
        labels = np.frombuffer(stream.read(shown), np.uint8)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as stream:
        _, test = np.frombuffer(stream.read(IDX_LABELS_HEADER), ">i4")
    return int(train + test), images.reshape(shown, rows, columns), labels


KERAS_FILES = {"mnist": (_mnist_head, DIGIT_NAMES), "fashion-mnist": (_fashion_head, FASHION_NAMES)}
