"""What the word LSTM adds to the language-model protocol: windows, embeddings, one trace."""

import zipfile

import numpy as np
import pytest

from core.data.vocabulary import START_ID, Vocabulary, word_tokens
from core.models.recurrent.word2vec_starts import word2vec_matrix
from core.models.recurrent.word_lstm import WordLstmConfig, WordLstmLanguageModel, _windows

STORY = (
    "The cat sat on the mat. The dog sat on the log. A cat saw the dog!\n"
    "Then the dog ran to the cat and the cat ran to the mat."
)
TINY = {"embedding_dim": 8, "units": 8, "sequence_length": 5, "batch_size": 8, "epochs": 1}


def test_windows_cut_the_document_stream_into_next_id_pairs():
    documents = [np.array([3, 4, 5]), np.array([6, 7, 8, 9])]
    inputs, targets = _windows(documents, 3)
    stream = [START_ID, 3, 4, 5, START_ID, 6, 7, 8, 9]
    # 8 predictions: windows at 0 and 3, then one overlapping the last so none is dropped.
    assert inputs.tolist() == [stream[0:3], stream[3:6], stream[5:8]]
    assert targets.tolist() == [stream[1:4], stream[4:7], stream[6:9]]
    short_inputs, short_targets = _windows([np.array([3])], 35)
    assert short_inputs.tolist() == [[START_ID]] and short_targets.tolist() == [[3]]


def fitted(**settings) -> tuple[WordLstmLanguageModel, list[np.ndarray]]:
    documents = [word_tokens(text) for text in STORY.split("\n")]
    vocabulary = Vocabulary.from_tokens([token for tokens in documents for token in tokens])
    ids = [vocabulary.encode(tokens) for tokens in documents]
    config = WordLstmConfig(**{**TINY, **settings})
    return WordLstmLanguageModel(config, random_state=0).fit(ids, vocabulary), ids


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_frozen_word2vec_embeddings_stay_as_initialised_and_fine_tuned_ones_move(cell):
    frozen, ids = fitted(cell=cell, embeddings="word2vec-frozen", learning_rate=0.05)
    tuned, _ = fitted(cell=cell, embeddings="word2vec-fine-tuned", learning_rate=0.05)
    frozen_vectors = frozen.model_.get_layer("embedding").get_weights()[0]
    tuned_vectors = tuned.model_.get_layer("embedding").get_weights()[0]
    assert frozen_vectors.shape == (len(frozen.vocabulary_), TINY["embedding_dim"])
    tokens = frozen.vocabulary_.decode(range(len(frozen.vocabulary_)))
    initial = word2vec_matrix(tokens, ids, frozen.resolved_config, 0)
    np.testing.assert_array_equal(frozen_vectors, initial)
    assert not np.allclose(tuned_vectors, initial)
    assert frozen.count_params() == tuned.count_params()


def test_suggestions_reuse_one_trace_for_every_context_length():
    model, ids = fitted()
    for length in (0, 1, 3, 12):
        model.distribution(ids[0][:length])
    model.log_probs(ids[1])
    assert model._states.experimental_get_tracing_count() == 1


def test_the_artifact_holds_a_keras_network_and_json_without_pickle(tmp_path):
    model, ids = fitted()
    path = model.save(tmp_path / "word-lstm.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["language_model.json", "model.keras"]
    loaded = WordLstmLanguageModel.load(path, model.config)
    assert loaded.count_params() == model.count_params()
    np.testing.assert_allclose(loaded.distribution(ids[0]), model.distribution(ids[0]), atol=1e-6)


@pytest.mark.parametrize("units", [8, 12])  # 12: states are projected to embedding_dim 8 first
def test_tied_output_layer_is_the_embedding_matrix_and_survives_saving(tmp_path, units):
    model, ids = fitted(tie_embeddings=True, units=units)
    (embeddings,) = model.model_.get_layer("embedding").get_weights()
    np.testing.assert_array_equal(model._kernel, embeddings.T.astype(np.float64))
    assert model._kernel.shape == (TINY["embedding_dim"], len(model.vocabulary_))
    untied, _ = fitted(tie_embeddings=False, units=units)
    assert model.count_params() < untied.count_params()
    loaded = WordLstmLanguageModel.load(model.save(tmp_path / "tied.zip"), model.config)
    np.testing.assert_array_equal(loaded.distribution(ids[0]), model.distribution(ids[0]))
    np.testing.assert_array_equal(loaded.log_probs(ids[1]), model.log_probs(ids[1]))


def test_an_untied_network_loads_under_a_config_that_says_tied(tmp_path):
    """The network, not the config, says which output layer it has (older runs are untied)."""
    model, ids = fitted(tie_embeddings=False)
    loaded = WordLstmLanguageModel.load(
        model.save(tmp_path / "untied.zip"), WordLstmConfig(**{**TINY, "tie_embeddings": True})
    )
    np.testing.assert_array_equal(loaded.distribution(ids[0]), model.distribution(ids[0]))
