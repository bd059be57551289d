"""Corpus word2vec starts: the corpus's tokens are the models' tokens, held-out texts teach
nothing, and the corpus model is trained once and then reused."""

import numpy as np
import pytest

from core.errors import TrainingStopped
from core.models.feedforward.text_cnn import TextCnnClassifier, TextCnnConfig
from core.models.recurrent import word2vec_starts
from core.progress import StopFlag, TrainingObserver

TINY_CORPUS = [
    "The cat sat on the mat, and the dog sat on the log.",
    "A dog saw the cat; the cat ran to the mat!",
    "Then the dog ran to the log and the cat sat.",
] * 3


@pytest.fixture
def tiny_corpus(monkeypatch, tmp_path):
    """The unlabelled corpora replaced by a few sentences; the cache in a fresh data folder."""
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(word2vec_starts, "_corpus_documents", lambda: TINY_CORPUS)
    trainings = []
    train = word2vec_starts._train_on_corpora
    monkeypatch.setattr(
        word2vec_starts,
        "_train_on_corpora",
        lambda *arguments: trainings.append(arguments) or train(*arguments),
    )
    return trainings


def test_corpus_tokens_are_the_vectorizers_tokens():
    import keras

    text = "Don't STOP: it's 3.5 o'clock!\tÜber-cool (really) [yes]  café_bar"
    vectorizer = keras.layers.TextVectorization()
    vectorizer.adapt([text])
    vocabulary = vectorizer.get_vocabulary()
    tokens = [vocabulary[index] for index in np.asarray(vectorizer([text]))[0]]
    assert word2vec_starts.vectorizer_tokens(text) == tokens


def test_the_corpus_model_is_trained_once_then_reused(tiny_corpus):
    sentences = [["the", "cat", "purred"]]
    first = word2vec_starts.continued_vectors(sentences, 8, seed=0, observer=TrainingObserver())
    again = word2vec_starts.continued_vectors(sentences, 8, seed=0, observer=TrainingObserver())
    assert len(tiny_corpus) == 1
    assert word2vec_starts.cache_path(8).exists()
    np.testing.assert_array_equal(first["cat"], again["cat"])
    assert "purred" in first.key_to_index  # a training text's new word joins the corpus's


def test_the_corpus_passes_decay_the_learning_rate_once_from_alpha_to_min_alpha(
    tiny_corpus, monkeypatch
):
    from gensim.models import Word2Vec

    passes = []
    train = Word2Vec.train

    def recorded(model, *arguments, **settings):
        passes.append((settings["start_alpha"], settings["end_alpha"]))
        return train(model, *arguments, **settings)

    monkeypatch.setattr(Word2Vec, "train", recorded)
    word2vec_starts._train_on_corpora(8, TrainingObserver())
    rates = np.linspace(0.025, 0.0001, word2vec_starts.CORPUS_EPOCHS + 1)
    np.testing.assert_allclose(passes, list(zip(rates[:-1], rates[1:], strict=True)))


def test_a_stop_during_corpus_training_caches_nothing(tiny_corpus):
    stop = StopFlag()
    stop.request_stop()
    with pytest.raises(TrainingStopped):
        word2vec_starts.continued_vectors([["cat"]], 8, seed=0, observer=stop)
    assert not word2vec_starts.cache_path(8).exists()


def test_only_the_most_recently_used_corpus_models_are_kept(tiny_corpus, monkeypatch):
    monkeypatch.setattr(word2vec_starts, "CACHED_MODELS", 1)
    for embedding_dim in (4, 6):
        word2vec_starts.continued_vectors([["cat"]], embedding_dim, 0, TrainingObserver())
    assert [path.name for path in word2vec_starts.cache_path(4).parent.iterdir()] == [
        word2vec_starts.cache_path(6).name
    ]


def test_corpus_vectors_never_learn_a_word_only_held_out_texts_hold(tiny_corpus, monkeypatch):
    continued = []
    continue_training = word2vec_starts.continued_vectors
    monkeypatch.setattr(
        word2vec_starts,
        "continued_vectors",
        lambda *arguments: continued.append(continue_training(*arguments)) or continued[-1],
    )
    train = (["the cat purred", "the dog barked", "a cat sat", "a dog ran"], [1, 0, 1, 0])
    held_out = (["the zebra galloped", "the dog purred"], [1, 0])
    config = TextCnnConfig(
        embeddings="corpus-word2vec-frozen", embedding_dim=8, filters=4, epochs=1
    )
    model = TextCnnClassifier(config, random_state=0).fit(*train, validation_data=held_out)
    [vectors] = continued
    assert "purred" in vectors.key_to_index and "zebra" not in vectors.key_to_index
    vocabulary = model.model_.get_layer("tokens").get_vocabulary()
    assert "zebra" not in vocabulary
    embedding = model.model_.get_layer("classifier").get_layer("embedding").get_weights()[0]
    np.testing.assert_array_equal(embedding[vocabulary.index("cat")], vectors["cat"])
