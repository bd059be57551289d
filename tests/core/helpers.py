"""Small data and configs that make every registered model train in about a second."""

import os

import numpy as np
import pytest

from core.data.corpora import load_corpus
from core.data.datasets import DATASETS, load_dataset
from core.data.segmentation import segmentation_examples
from core.data.vocabulary import Vocabulary, word_tokens
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


def lee_texts(documents: slice) -> list[str]:
    """Articles of the bundled Lee corpus: a few make a tiny text to predict."""
    return list(load_corpus("lee").documents[documents])


def word_id_documents(
    train_texts: list[str], held_out_texts: list[str]
) -> tuple[list[np.ndarray], list[np.ndarray], Vocabulary]:
    """(train, held-out) documents as token ids of the vocabulary of the training texts, as
    every word language model reads them."""
    train_tokens = [word_tokens(text) for text in train_texts]
    vocabulary = Vocabulary.from_tokens(token for tokens in train_tokens for token in tokens)
    held_out_tokens = [word_tokens(text) for text in held_out_texts]
    return (
        [vocabulary.encode(tokens) for tokens in train_tokens],
        [vocabulary.encode(tokens) for tokens in held_out_tokens],
        vocabulary,
    )


def segmentation_data(documents: slice) -> tuple[list[str], list[np.ndarray]]:
    """Word segmentation of Lee articles: character sequences (at most 60) and, for each
    character, whether a word starts there."""
    examples = segmentation_examples(lee_texts(documents), max_chars=60)
    return [example.characters for example in examples], [
        np.array(example.labels) for example in examples
    ]


REPLY_TOPICS = {"apple": "red", "sky": "blue", "grass": "green", "snow": "white"}
REPLY_FILLERS = "so the one we now here then just really very".split()


def toy_reply_pairs(
    count: int, seed: int, topics: dict = REPLY_TOPICS, fillers: list = REPLY_FILLERS
) -> tuple[list[str], list[str]]:
    """`count` messages naming a topic and replies starting with the topic's word (`topics`
    maps a topic to that word), with random filler words: a pattern a replier can learn in
    seconds."""
    rng = np.random.default_rng(seed)
    messages, replies = [], []
    for _ in range(count):
        topic = list(topics)[rng.integers(len(topics))]
        first, second, third, fourth = rng.choice(fillers, 4)
        messages.append(f"{first} what about the {topic.title()} {second}?")
        replies.append(f"{topics[topic]} {third} {fourth}.")
    return messages, replies


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
