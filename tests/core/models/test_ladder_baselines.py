"""The contest's floor and its linear text baselines: the majority class, NBSVM, linear SVM.

The protocol checks (test_model_protocol.py) cover them as registered models; these check
what each promises beyond the protocol.
"""

import numpy as np
import pytest

from core.data.datasets import load_dataset
from core.data.splits import dataset_split
from core.models.baselines.majority import MajoritySequenceClassifier, MajorityTextClassifier
from core.models.baselines.nbsvm import NbsvmConfig, TfidfNbsvm, log_count_ratio
from core.models.baselines.tfidf_svm import TfidfSvm, TfidfSvmConfig
from tests.core.helpers import digits_slice, polarity_texts

TOPICS = {"sport": "goal match team", "food": "bread soup cheese", "tech": "code chip laptop"}
FILLERS = "the a of today really so we they".split()


def three_topic_texts(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` texts, each a topic's word among filler words, labelled by the topic."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(list(TOPICS), size=count)
    texts = [
        " ".join([rng.choice(TOPICS[label].split()), *rng.choice(FILLERS, size=3)])
        for label in labels
    ]
    return np.asarray(texts, dtype=object), labels


def test_majority_scores_exactly_the_majority_share_of_the_test_part():
    data = load_dataset("sms-spam")
    split = dataset_split(data, seed=0)
    train_labels, test_labels = data.labels[split.train], data.labels[split.test]
    labels, counts = np.unique(train_labels, return_counts=True)
    majority_share = np.mean(test_labels == labels[np.argmax(counts)])

    model = MajorityTextClassifier().fit(data.inputs[split.train], train_labels)

    assert model.score(data.inputs[split.test], test_labels) == majority_share
    assert majority_share > 0.8  # ham: the floor is high on this set
    np.testing.assert_allclose(
        model.predict_proba(data.inputs[split.test][:3]), [counts / counts.sum()] * 3
    )
    assert model.count_params() == len(labels)


def test_majority_of_sequences_gives_every_input_the_class_frequencies():
    images, labels = digits_slice(100)
    model = MajoritySequenceClassifier().fit(images, labels)
    frequencies = np.bincount(labels, minlength=10) / len(labels)
    np.testing.assert_allclose(model.predict_proba(images[:5]), [frequencies] * 5)
    assert set(model.predict(images)) == {np.argmax(frequencies)}


def test_log_count_ratio_is_the_papers_r_on_a_hand_example():
    # Terms: one only in positive texts, one in both, one mostly in negative texts.
    features = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], dtype=float)
    positive = np.array([True, True, False, False])
    # alpha 1: p = 1 + (2, 1, 0) = (3, 2, 1), q = 1 + (0, 1, 2) = (1, 2, 3), both sum to 6,
    # so r = log((3/6) / (1/6)), log((2/6) / (2/6)), log((1/6) / (3/6)).
    ratio = log_count_ratio(features, positive, smoothing=1.0)
    np.testing.assert_allclose(ratio, [np.log(3), 0.0, -np.log(3)])


def test_nbsvm_log_count_ratio_reads_a_sparse_matrix_like_a_dense_one():
    from scipy.sparse import csr_matrix

    features = np.array([[2, 0, 1], [0, 0, 3], [1, 1, 0]], dtype=float)
    positive = np.array([True, False, True])
    np.testing.assert_allclose(
        log_count_ratio(csr_matrix(features), positive, 0.5),
        log_count_ratio(features, positive, 0.5),
    )


@pytest.mark.parametrize("binarize", [True, False])
def test_nbsvm_learns_three_classes_one_against_the_rest(binarize):
    texts, labels = three_topic_texts(90, seed=0)
    held_out_texts, held_out_labels = three_topic_texts(30, seed=1)
    # C 1: the default 0.1 suits presence features on thousands of texts, not 90 TF-IDF rows.
    config = NbsvmConfig(features="words", binarize=binarize, inverse_regularization=1.0)
    model = TfidfNbsvm(config).fit(texts, labels)
    probabilities = model.predict_proba(held_out_texts)
    assert model.coef_.shape[0] == 3  # one classifier per class
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert model.score(held_out_texts, held_out_labels) == 1.0


@pytest.mark.parametrize(
    "data",
    [polarity_texts(), three_topic_texts(90, seed=0)],
    ids=["two classes", "three classes"],
)
def test_svm_probabilities_are_distributions_whose_argmax_is_the_svms(data):
    texts, labels = data
    model = TfidfSvm(TfidfSvmConfig()).fit(texts[:-30], labels[:-30])
    held_out = texts[-30:]
    probabilities = model.predict_proba(held_out)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    svm_answers = model.estimator_.predict(model.features_.transform(held_out))
    np.testing.assert_array_equal(np.argmax(probabilities, axis=1), svm_answers)
