"""Training language models through the shared recording path, on a real corpus."""

import json

import numpy as np

from core.data.vocabulary import UNKNOWN_ID
from core.models.baselines.ngram import NgramConfig
from core.models.recurrent.char_lstm import CharLstmConfig
from core.runs.comparison import paired_test
from core.runs.store import RunStore
from core.tasks.registry import train
from core.tasks.text_prediction.training import prepare_corpus
from core.tasks.training import load_trained_model
from tests.core.test_cli import run_cli


def test_every_model_on_a_corpus_shares_split_and_vocabulary():
    first, again = prepare_corpus("lee", 0), prepare_corpus("lee", 0)
    assert first is again  # memoised: one tokenisation per process
    other_seed = prepare_corpus("lee", 1)
    assert first.split.test_fingerprint != other_seed.split.test_fingerprint
    describe = first.describe()
    assert describe["vocabulary_size"] == len(first.vocabulary) and describe["test"] > 0
    assert not set(first.split.test) & set(first.split.train)


def test_ngram_run_is_recorded_with_comparable_metrics_and_pairs(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    runs = [
        train("text-prediction", "lee", "ngram", store=store, config=None, seed=0).run
        for _ in range(2)
    ]
    for run in runs:
        metrics = run.metrics
        assert run.status == "finished" and run.artifact_path
        assert 1 < metrics["perplexity"] < len(prepare_corpus("lee", 0).vocabulary)
        assert 0 < metrics["accuracy_low"] <= metrics["accuracy"] <= metrics["accuracy_high"]
        assert metrics["accuracy"] <= metrics["top3_accuracy"] < 1
        assert 0 < metrics["keystroke_savings"] < 1 and run.predict_ms > 0
    y_true, y_pred = store.predictions(runs[0].id)
    assert y_true.size == runs[0].metrics["test_examples"]
    assert paired_test(store, *runs).p_value == 1.0  # the same model twice: no difference
    assert np.array_equal(store.predictions(runs[1].id)[1], y_pred)


def test_char_lstm_is_scored_on_the_positions_and_words_the_word_models_are(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    tiny = CharLstmConfig(embedding_dim=8, units=16, sequence_length=20, epochs=1)
    char_run = train("text-prediction", "lee", "char-lstm", store=store, config=tiny, seed=0).run
    ngram_run = train(
        "text-prediction", "lee", "ngram", store=store, config=NgramConfig(order=2), seed=0
    ).run
    metrics = char_run.metrics
    assert char_run.status == "finished" and char_run.artifact_path and char_run.predict_ms > 0
    assert "perplexity" not in metrics  # word perplexity does not apply to a character model
    assert 0 < metrics["bits_per_character"] < np.log2(tiny.max_characters + 1)
    assert 0 <= metrics["accuracy_low"] <= metrics["accuracy"] <= metrics["accuracy_high"]
    assert metrics["accuracy"] <= metrics["top3_accuracy"] < 1
    assert 0 <= metrics["keystroke_savings"] < 1 and metrics["epochs_trained"] == 1
    for shared in ("test_examples", "keystroke_words", "unknown_rate"):
        assert metrics[shared] == ngram_run.metrics[shared]
    char_true, char_pred = store.predictions(char_run.id)
    assert np.array_equal(char_true, store.predictions(ngram_run.id)[0])
    assert UNKNOWN_ID not in char_pred  # a word outside the vocabulary is -1, never <unk>
    assert 0 <= paired_test(store, char_run, ngram_run).p_value <= 1
    assert len(load_trained_model(char_run).suggest(("the",), "", 3)) == 3


def test_cli_trains_a_language_model_and_refuses_an_unknown_corpus():
    trained = run_cli("train", "text-prediction", "lee", "ngram", "--set", "order=2", "--json")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["config"] == {"order": 2} and summary["metrics"]["perplexity"] > 1
    unknown = run_cli("train", "text-prediction", "nowhere", "ngram")
    assert unknown.returncode == 2 and "Unknown corpus 'nowhere'" in unknown.stderr
