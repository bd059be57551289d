"""What the text models promise beyond the shared protocol: raw text in, masking, word2vec."""

import numpy as np
import pytest

from core.models.registry import model_spec
from core.task_names import TEXT_CLASSIFICATION
from tests.core.helpers import polarity_texts, tiny_config


@pytest.fixture(scope="module")
def texts():
    return polarity_texts()


def fitted(name, texts, **settings):
    spec = model_spec(TEXT_CLASSIFICATION, name)
    return spec.build(tiny_config(spec, **settings), seed=0).fit(*texts)


def test_the_saved_lstm_takes_raw_text(texts, tmp_path):
    import keras
    import tensorflow as tf

    model = fitted("lstm", texts)
    path = model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
    sample = ["a gripping , moving film", "dull and far too long"]
    direct = np.asarray(loaded(tf.constant([[text] for text in sample])))
    np.testing.assert_allclose(direct, model.predict_proba(sample), atol=1e-5)


def test_padding_is_masked_so_a_short_text_reads_as_short(texts):
    model = fitted("gru", texts, sequence_length=40)
    ids = np.asarray(model.model_.get_layer("tokens")(np.array(["a moving film"], dtype=object)))
    length = int(np.count_nonzero(ids))
    assert ids.shape == (1, 40) and length == 3
    network = model.model_.get_layer("classifier")
    np.testing.assert_allclose(
        np.asarray(network(ids)), np.asarray(network(ids[:, :length])), atol=1e-5
    )


def test_word2vec_embeddings_frozen_stay_and_fine_tuned_move(texts):
    frozen = [
        fitted("lstm", texts, embeddings="word2vec-frozen", epochs=epochs) for epochs in (1, 2)
    ]
    weights = [
        model.model_.get_layer("classifier").get_layer("embedding").get_weights()[0]
        for model in frozen
    ]
    np.testing.assert_array_equal(weights[0], weights[1])
    assert np.abs(weights[0][2:]).mean() > 0.05  # word2vec vectors, not the 0.05-scale noise
    tuned = fitted("lstm", texts, embeddings="word2vec-fine-tuned", epochs=2)
    tuned_weights = tuned.model_.get_layer("classifier").get_layer("embedding").get_weights()[0]
    assert not np.allclose(tuned_weights, weights[0])


def test_nearest_neighbours_name_the_training_texts_that_voted(texts):
    model = fitted("tfidf-knn", texts)
    [neighbours] = model.nearest([texts[0][0]], count=3)
    assert neighbours[0][0] == texts[0][0] and neighbours[0][2] == pytest.approx(1.0, abs=1e-5)
    assert [similarity for _, _, similarity in neighbours] == sorted(
        [similarity for _, _, similarity in neighbours], reverse=True
    )
