"""The sequence-labelling task: datasets, shared splits, the evaluation, and recorded runs."""

import numpy as np
import pytest

from core.data.labelling import load_labelling_data
from core.data.tagged_corpora import parse_tagged_upload, save_tagged_upload
from core.errors import UserFacingError
from core.models.registry import model_spec
from core.runs.comparison import paired_test
from core.runs.store import RunStore
from core.tasks.registry import train
from core.tasks.sequence_labelling.evaluation import (
    sentence_bootstrap_accuracy,
    sentence_bootstrap_boundary_f1,
)

SEGMENTATION = "segmentation:dataset:polarity"  # 200 sentences: small enough to train here
TINY = {
    "logreg-window": {"hash_bits": "14", "epochs": "2"},
    "bilstm": {"embedding_dim": "8", "units": "8", "epochs": "1"},
}


def tiny_config(name: str):
    return model_spec("sequence-labelling", name).config_with(TINY[name])


def test_segmentation_splits_sentences_by_document():
    data = load_labelling_data(SEGMENTATION, 0)
    assert data.kind == "segmentation" and data.tag_names[1] == "starts a word"
    parts = [set(indices) for indices in (data.split.train, data.split.validation, data.split.test)]
    assert all(parts) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert sum(len(part) for part in parts) == len(data.sequences)
    sequences, tags = data.part(data.split.test[:3])
    assert [len(row) for row in tags] == [len(sequence) for sequence in sequences]
    assert all(row[0] == 1 for row in tags)  # every sentence starts with a word
    assert load_labelling_data(SEGMENTATION, 0) is data  # memoised: one split per process


def test_unknown_labelling_dataset_is_explained():
    with pytest.raises(UserFacingError, match="segmentation:<corpus>"):
        load_labelling_data("wiki-sample", 0)


def test_taggers_on_one_dataset_are_recorded_and_pair_up(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    runs = [
        train("sequence-labelling", SEGMENTATION, name, store=store, config=tiny_config(name)).run
        for name in TINY
    ]
    for run in runs:
        metrics = run.metrics
        assert run.status == "finished" and run.artifact_path and run.param_count > 0
        assert 0 <= metrics["boundary_f1_low"] <= metrics["boundary_f1"]
        assert metrics["boundary_f1"] <= metrics["boundary_f1_high"] <= 1
        assert metrics["accuracy_low"] <= metrics["accuracy"] <= metrics["accuracy_high"]
        assert set(metrics["per_class_f1"]) == {"inside a word", "starts a word"}
        assert store.predictions(run.id)[0].size == metrics["test_tokens"]
    assert runs[0].split["test_fingerprint"] == runs[1].split["test_fingerprint"]
    assert 0 <= paired_test(store, *runs).p_value <= 1
    # The window baseline learns something real even from 140 sentences.
    assert runs[0].metrics["boundary_f1"] > 0.5


def _tagged_file(rare_tag_line: int) -> bytes:
    """Sentences of words tagged by their shape, and one word tagged RARE once."""
    lines = []
    for index in range(40):
        for word in f"The {index} cats sat on {index + 1} mats".split():
            tag = "NUM" if word.isdigit() else "CAP" if word[0].isupper() else "LOW"
            lines.append(f"{word} {tag}")
        if index == rare_tag_line:
            lines.append("!! RARE")
        lines.append("")
    return "\n".join(lines).encode()


@pytest.mark.parametrize("rare_sentence", range(0, 40, 3))
def test_a_tag_seen_once_is_moved_into_training(rare_sentence):
    name = save_tagged_upload(parse_tagged_upload(_tagged_file(rare_sentence), "shapes.txt"))
    data = load_labelling_data(name, 0)
    rare = data.tag_names.index("RARE")
    holders = [index for index, tags in enumerate(data.tags) if rare in tags]
    assert holders == [rare_sentence] and rare_sentence in data.split.train
    assert len(data.split.test) and len(data.split.validation)


def test_tagged_upload_trains_with_per_tag_f1_and_no_boundary_f1(tmp_path):
    name = save_tagged_upload(parse_tagged_upload(_tagged_file(5), "shapes.txt"))
    store = RunStore(tmp_path / "runs.sqlite3")
    run = train(
        "sequence-labelling",
        name,
        "logreg-window",
        store=store,
        config=tiny_config("logreg-window"),
    ).run
    assert run.status == "finished" and "boundary_f1" not in run.metrics
    assert {"CAP", "LOW", "NUM"} <= set(run.metrics["per_class_f1"])
    assert run.metrics["accuracy"] > 0.9  # shapes are easy: the pipeline must not scramble tags


def test_sentence_bootstrap_on_hand_checked_counts():
    truth = [np.array([1, 0, 1, 0]), np.array([1, 1])]
    perfect = sentence_bootstrap_accuracy(truth, truth, seed=0)
    assert (perfect.estimate, perfect.low, perfect.high) == (1.0, 1.0, 1.0)
    # Sentence one: one of two inner boundaries found; sentence two: its one boundary missed.
    predicted = [np.array([1, 0, 0, 0]), np.array([1, 0])]
    f1 = sentence_bootstrap_boundary_f1(truth, predicted, seed=0)
    # correct 0, true 2, predicted 0 -> F1 0; resamples can only give 0 too.
    assert (f1.estimate, f1.low, f1.high) == (0.0, 0.0, 0.0)
    half = [np.array([1, 0, 1, 0]), np.array([1, 0])]  # 1 correct of 2 true, 1 predicted
    interval = sentence_bootstrap_boundary_f1(truth, half, seed=0)
    assert interval.estimate == pytest.approx(2 / 3)
    assert interval.low == 0.0 and interval.high == 1.0  # either sentence alone, resampled
    accuracy = sentence_bootstrap_accuracy(truth, half, seed=0)
    assert accuracy.estimate == pytest.approx(5 / 6)


def test_bilstm_trains_on_a_tagged_upload_without_lexicon_features(tmp_path):
    name = save_tagged_upload(parse_tagged_upload(_tagged_file(5), "shapes.txt"))
    result = train(
        "sequence-labelling",
        name,
        "bilstm",
        store=RunStore(tmp_path / "runs.sqlite3"),
        config=tiny_config("bilstm"),
    )
    assert result.run.status == "finished" and "boundary_f1" not in result.run.metrics
    assert {"CAP", "LOW", "NUM"} <= set(result.run.metrics["per_class_f1"])
    # Words, not characters: the lexicon of word segmentation does not apply.
    assert "lexicon" not in [layer.name for layer in result.model.model_.layers]
