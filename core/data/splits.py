"""Deterministic stratified train/validation/test splits, identical for every model.

Every model on a dataset sees the same training examples and is scored on the same held-out
test examples for a given seed, which is what makes paired tests such as McNemar's valid.
"""

import hashlib
from dataclasses import dataclass

import numpy as np

from core.errors import UserFacingError

TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.1
MIN_EXAMPLES_PER_CLASS = 3  # one for each of train, validation and test


@dataclass(frozen=True)
class Split:
    """Index arrays into a dataset; validation is carved from the training part."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    seed: int

    @property
    def test_fingerprint(self) -> str:
        """A short hash of the test indices: two runs can be paired only if these match."""
        return hashlib.sha256(np.sort(self.test).astype(np.int64).tobytes()).hexdigest()[:16]

    def describe(self) -> dict:
        """What the run store records about the split."""
        return {
            "seed": self.seed,
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
            "test_fingerprint": self.test_fingerprint,
        }


def dataset_split(data, seed: int) -> Split:
    """The split every model of a dataset shares: stratified, duplicates kept together."""
    return stratified_split(data.labels, seed, groups=data.split_groups)


def stratified_split(
    labels: np.ndarray,
    seed: int,
    test_fraction: float = TEST_FRACTION,
    validation_fraction: float = VALIDATION_FRACTION,
    groups: np.ndarray | None = None,
) -> Split:
    """Split indices so that each part keeps the class proportions of `labels`.

    With `groups`, examples of equal group value land in the same part (a text repeated in a
    dataset must not be trained on and then tested on); the groups are split, stratified by
    the label of each group's first example.
    """
    if groups is None:
        return _split_items(np.asarray(labels), seed, test_fraction, validation_fraction)
    _, first, group_of = np.unique(np.asarray(groups), return_index=True, return_inverse=True)
    by_group = _split_items(np.asarray(labels)[first], seed, test_fraction, validation_fraction)

    def members(chosen: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.isin(group_of, chosen))

    return Split(
        members(by_group.train), members(by_group.validation), members(by_group.test), seed
    )


def _split_items(
    labels: np.ndarray, seed: int, test_fraction: float, validation_fraction: float
) -> Split:
    from sklearn.model_selection import train_test_split

    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise UserFacingError("The data has a single class; a classifier needs at least two.")
    if counts.min() < MIN_EXAMPLES_PER_CLASS:
        rare = classes[counts < MIN_EXAMPLES_PER_CLASS].tolist()
        raise UserFacingError(
            f"Classes {rare} have fewer than {MIN_EXAMPLES_PER_CLASS} distinct examples: too few "
            "to put one in each of the train, validation and test parts."
        )
    indices = np.arange(len(labels))
    try:
        train_and_validation, test = train_test_split(
            indices, test_size=test_fraction, stratify=labels, random_state=seed
        )
        train, validation = train_test_split(
            train_and_validation,
            test_size=validation_fraction,
            stratify=labels[train_and_validation],
            random_state=seed,
        )
    except ValueError as error:  # too few rows for every class to appear in every part
        raise UserFacingError(f"Too few examples for a stratified split: {error}") from error
    return Split(np.sort(train), np.sort(validation), np.sort(test), seed)
