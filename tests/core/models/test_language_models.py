"""What every language model answers beyond the shared protocol checks
(tests/core/models/test_model_protocol.py): distributions, log-probabilities, top-k, generation."""

import numpy as np
import pytest

from core.data.corpora import load_corpus
from core.data.vocabulary import START_ID, UNKNOWN_ID, Vocabulary, word_tokens
from core.models.baselines.ngram import KneserNeyLanguageModel, NgramConfig
from core.models.language_models import NOT_GENERATED
from core.models.recurrent.word_lstm import WordLstmConfig, WordLstmLanguageModel

# Tiny settings: the checks are about the protocol, not about quality.
MODELS = {
    KneserNeyLanguageModel: NgramConfig(order=3),
    WordLstmLanguageModel: WordLstmConfig(
        embedding_dim=8, units=8, sequence_length=6, batch_size=64, epochs=1
    ),
}
SEQUENCE_LENGTH = MODELS[WordLstmLanguageModel].sequence_length
parametrize_models = pytest.mark.parametrize("model_class", MODELS, ids=lambda cls: cls.__name__)


@pytest.fixture(scope="module")
def corpus() -> tuple[list[np.ndarray], list[np.ndarray], Vocabulary]:
    """(train, validation) id arrays from a slice of Lee, and their shared vocabulary."""
    documents = [word_tokens(text) for text in load_corpus("lee").documents[:24]]
    vocabulary = Vocabulary.from_tokens(token for tokens in documents[:20] for token in tokens)
    ids = [vocabulary.encode(tokens) for tokens in documents]
    return ids[:20], ids[20:], vocabulary


@pytest.fixture(scope="module")
def fitted(corpus) -> dict:
    train, validation, vocabulary = corpus
    return {
        model_class: model_class(config, random_state=0).fit(
            train, vocabulary, validation_documents=validation
        )
        for model_class, config in MODELS.items()
    }


def build(model_class, seed: int = 0):
    return model_class(MODELS[model_class], random_state=seed)


@parametrize_models
def test_fit_records_comparable_losses(model_class, fitted, corpus):
    model = fitted[model_class]
    assert model.vocabulary_ is corpus[2] and model.stopped_ is False
    assert model.count_params() > 0
    record = model.history_[-1]
    assert {"epoch", "complete", "loss", "val_loss"} <= set(record) and record["complete"]
    # Both are log perplexities: far below log(V), a uniform guess, after training.
    assert 0 < record["loss"] < np.log(len(model.vocabulary_))


@parametrize_models
def test_distributions_sum_to_one_for_empty_short_and_long_contexts(model_class, fitted, corpus):
    model = fitted[model_class]
    document = corpus[1][0]
    for context in ([], [START_ID], document[:2], document[: 3 * SEQUENCE_LENGTH]):
        distribution = model.distribution(context)
        assert distribution.shape == (len(model.vocabulary_),)
        assert distribution.sum() == pytest.approx(1.0, abs=1e-9)
        assert distribution.min() > 0


@parametrize_models
def test_log_probs_score_every_token_as_distribution_does_after_its_prefix(
    model_class, fitted, corpus
):
    model = fitted[model_class]
    document = corpus[1][0]
    log_probs = model.log_probs(document)
    assert log_probs.shape == document.shape
    assert np.isfinite(log_probs).all() and (log_probs <= 0).all()
    for position in (0, 1, SEQUENCE_LENGTH - 1, SEQUENCE_LENGTH, 3 * SEQUENCE_LENGTH + 2):
        expected = np.log(model.distribution(document[:position])[document[position]])
        assert log_probs[position] == pytest.approx(expected, abs=1e-6)
    assert model.log_probs([]).shape == (0,)
    assert model.perplexity(corpus[1]) == pytest.approx(
        np.exp(-np.concatenate([model.log_probs(ids) for ids in corpus[1]]).mean())
    )


@parametrize_models
def test_top_k_ranks_the_whole_vocabulary_or_only_the_allowed_ids(model_class, fitted, corpus):
    model = fitted[model_class]
    context = corpus[1][0][:10]
    distribution = model.distribution(context)
    ids, probabilities = model.top_k(context, 3)
    assert ids.tolist() == np.argsort(-distribution, kind="stable")[:3].tolist()
    np.testing.assert_allclose(probabilities, distribution[ids])
    allowed = model.vocabulary_.ids_with_prefix("s")
    completions, _ = model.top_k(context, 5, allowed_ids=allowed)
    assert len(completions) == 5 and set(completions) <= set(allowed)
    assert completions[0] == allowed[np.argmax(distribution[allowed])]


@parametrize_models
def test_save_and_load_round_trip_in_one_file(model_class, fitted, corpus, tmp_path):
    model = fitted[model_class]
    path = model.save(tmp_path / f"model{model.artifact_suffix}")
    assert [file.name for file in tmp_path.iterdir()] == [path.name]  # no temporary left over
    loaded = model_class.load(path, model.config)
    document = corpus[1][1]
    np.testing.assert_allclose(loaded.log_probs(document), model.log_probs(document), atol=1e-6)
    assert loaded.vocabulary_.to_dict() == model.vocabulary_.to_dict()
    assert loaded.history_ == model.history_ and loaded.stopped_ is False
    assert loaded.count_params() == model.count_params()


@parametrize_models
def test_generation_is_seeded_and_keeps_to_the_top_k(model_class, fitted, corpus):
    model = fitted[model_class]
    prompt = corpus[1][0][:4]
    first = model.generate(prompt, 12, temperature=1.5, top_k=3, seed=7)
    assert first == model.generate(prompt, 12, temperature=1.5, top_k=3, seed=7)
    assert len(first) == 12 and not set(first) & set(NOT_GENERATED)
    context = list(prompt)
    for token in first:
        distribution = model.distribution(context)
        distribution[list(NOT_GENERATED)] = 0
        assert token in np.argsort(-distribution, kind="stable")[:3]
        context.append(token)
    greedy = model.generate(prompt, 3, top_k=1, seed=1)
    assert greedy == model.generate(prompt, 3, top_k=1, seed=2)
    assert UNKNOWN_ID not in greedy
    with pytest.raises(ValueError, match="temperature"):
        model.generate(prompt, 3, temperature=0)


def test_top_k_remembers_only_the_last_context(monkeypatch):
    """Completing a word letter by letter asks one distribution; a new context asks again."""
    vocabulary = Vocabulary.from_tokens("a b a c a b </s>".split(), max_size=10, min_count=1)
    model = KneserNeyLanguageModel(NgramConfig()).fit(
        [vocabulary.encode("a b a c".split())], vocabulary
    )
    calls = []
    original = model.distribution
    monkeypatch.setattr(model, "distribution", lambda ids: calls.append(list(ids)) or original(ids))
    for _ in range(3):
        model.top_k([3], 2)
    model.top_k([4], 2)
    assert calls == [[3], [4]]
    np.testing.assert_array_equal(model.top_k([3], 2)[0], model.top_k(np.array([3]), 2)[0])
