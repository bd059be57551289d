import numpy as np
import pytest

from core.data.splits import stratified_split
from core.errors import UserFacingError


def test_parts_are_disjoint_complete_and_stratified():
    labels = np.repeat(np.arange(4), [40, 40, 80, 40])
    split = stratified_split(labels, seed=0)
    combined = np.concatenate([split.train, split.validation, split.test])
    assert sorted(combined) == list(range(len(labels)))
    assert len(split.test) == 40
    assert np.bincount(labels[split.test]).tolist() == [8, 8, 16, 8]


def test_same_seed_same_split_other_seed_other_test_set():
    labels = np.repeat(np.arange(3), 30)
    first, again, other = (stratified_split(labels, seed) for seed in (0, 0, 1))
    assert np.array_equal(first.test, again.test)
    assert first.test_fingerprint == again.test_fingerprint != other.test_fingerprint


def test_single_class_and_rare_classes_get_clear_messages():
    with pytest.raises(UserFacingError, match="single class"):
        stratified_split(np.zeros(50, dtype=int), seed=0)
    with pytest.raises(UserFacingError, match="fewer than 3"):
        stratified_split(np.array([0] * 30 + [1, 1]), seed=0)


def test_repeated_texts_stay_in_one_part():
    rng = np.random.default_rng(1)
    texts = np.array([f"text {number}" for number in rng.integers(0, 60, 300)], dtype=object)
    labels = np.array([int(text.split()[1]) % 2 for text in texts])
    split = stratified_split(labels, seed=0, groups=texts)
    parts = [set(texts[part]) for part in (split.train, split.validation, split.test)]
    assert not (parts[0] & parts[2]) and not (parts[0] & parts[1]) and not (parts[1] & parts[2])
    assert sorted(np.concatenate([split.train, split.validation, split.test])) == list(range(300))
    assert 0.1 < len(split.test) / 300 < 0.3
