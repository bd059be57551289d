"""Every registered model, of every task, passes the same protocol checks (adding one adds it here).

The checks are scikit-learn's estimator checks in spirit: the constructor stores
hyperparameters only; `fit` returns self and keeps what it learnt in attributes ending in `_`;
outputs on held-out data have the right shape, survive a save and load, and repeat with the
seed; bad training data gets a ValueError a user can act on; a stop request is honoured.
What training data, "fit" and "outputs" are differs by kind of model: `KINDS` says it once per
protocol class, so every check below runs on every model of `MODELS`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from core.errors import TrainingStopped
from core.learn.line_data import LineDataConfig, make_line_data
from core.models.classifiers import SequenceClassifier, TextClassifier
from core.models.language_models import LanguageModel
from core.models.perceptron import PerceptronRegressor
from core.models.recurrent.char_lstm import CharLstmLanguageModel, character_text
from core.models.registry import MODELS, ModelSpec
from core.models.repliers import Replier
from core.models.taggers import Tagger
from core.progress import StopFlag, TrainingObserver
from tests.core.helpers import (
    digits_slice,
    lee_texts,
    polarity_texts,
    segmentation_data,
    tiny_config,
    toy_reply_pairs,
    word_id_documents,
)

TRAINING_SIZE = 180  # of the 240 digits and the 200 polarity sentences; the rest is held out


@dataclass(frozen=True)
class Kind:
    """How the checks drive one kind of model.

    `data()` gives tiny (train, held_out) data, each a tuple of `fit`'s positional arguments;
    `fit(model, train, held_out, observer)` trains with the held-out part as validation data
    where the kind takes some; `outputs(model, held_out)` is what a fitted model predicts,
    as arrays to compare; `check(model, held_out, outputs)` asserts they have the right shape
    and sense; `bad_data(train)` gives (fit arguments, a word the ValueError must say) for an
    input of the wrong kind and for data too degenerate to learn from.
    """

    data: Callable[[], tuple[tuple, tuple]]
    fit: Callable
    outputs: Callable
    check: Callable
    bad_data: Callable[[tuple], list[tuple[tuple, str]]]
    history_keys: frozenset[str]
    load: Callable = lambda model, path: type(model).load(path, model.config)
    # The perceptron reports a stop before its first step as an empty history, which
    # core/tasks/regression.py records as a stopped run; every other model raises.
    raises_when_stopped_before_training: bool = True


@cache
def digits_data() -> tuple[tuple, tuple]:
    X, y = digits_slice(240)
    return (X[:TRAINING_SIZE], y[:TRAINING_SIZE]), (X[TRAINING_SIZE:], y[TRAINING_SIZE:])


@cache
def polarity_data() -> tuple[tuple, tuple]:
    texts, labels = polarity_texts()
    return (
        (texts[:TRAINING_SIZE], labels[:TRAINING_SIZE]),
        (texts[TRAINING_SIZE:], labels[TRAINING_SIZE:]),
    )


def check_class_probabilities(model, held_out, probabilities) -> None:
    X, y = held_out
    assert probabilities.shape == (len(X), len(model.classes_))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert set(model.predict(X)) <= set(model.classes_)
    assert 0.0 <= model.score(X, y) <= 1.0


def fit_with_validation(model, train, held_out, observer):
    return model.fit(*train, validation_data=held_out, observer=observer)


def classifier_kind(data, wrong_inputs: Callable, complaint: str) -> Kind:
    """A classifier of sequences or of texts: probabilities of `classes_` for each input."""
    return Kind(
        data=data,
        fit=fit_with_validation,
        outputs=lambda model, held_out: model.predict_proba(held_out[0]),
        check=check_class_probabilities,
        bad_data=lambda train: [
            ((wrong_inputs(train[0]), train[1]), complaint),
            ((train[0][:20], np.zeros(20, dtype=int)), "single class"),
        ],
        history_keys=frozenset({"epoch", "loss", "accuracy", "val_loss"}),
        load=lambda model, path: type(model).load(path, model.config, model.classes_),
    )


@cache
def word_documents() -> tuple[tuple, tuple]:
    train, held_out, vocabulary = word_id_documents(lee_texts(slice(0, 4)), lee_texts(slice(4, 5)))
    return (train, vocabulary), (held_out,)


def token_log_probs(model, held_out) -> np.ndarray:
    return np.concatenate([model.log_probs(ids) for ids in held_out[0]])


def check_token_log_probs(model, held_out, log_probs) -> None:
    (documents,) = held_out
    assert log_probs.shape == (sum(len(ids) for ids in documents),)
    assert (log_probs <= 0).all()
    assert model.perplexity(documents) == pytest.approx(np.exp(-log_probs.mean()))


@cache
def character_texts() -> tuple[tuple, tuple]:
    return (lee_texts(slice(0, 3)),), (lee_texts(slice(3, 4)),)


def character_log_probs(model, held_out) -> np.ndarray:
    return np.concatenate([model.character_log_probs(text) for text in held_out[0]])


def check_character_log_probs(model, held_out, log_probs) -> None:
    (texts,) = held_out
    assert log_probs.shape == (sum(len(character_text(text)) for text in texts),)
    assert (log_probs <= 0).all()
    assert model.bits_per_character(texts) == pytest.approx(-log_probs.mean() / np.log(2))


@cache
def tagged_characters() -> tuple[tuple, tuple]:
    return segmentation_data(slice(0, 1)), segmentation_data(slice(1, 2))


def check_tag_probabilities(model, held_out, probabilities) -> None:
    sequences, _ = held_out
    assert [rows.shape for rows in probabilities] == [
        (len(sequence), len(model.tags_)) for sequence in sequences
    ]
    np.testing.assert_allclose(np.concatenate(probabilities).sum(axis=1), 1.0, atol=1e-5)
    assert [len(tags) for tags in model.predict(sequences)] == [len(s) for s in sequences]


@cache
def reply_pairs() -> tuple[tuple, tuple]:
    # 12 held-out pairs: enough distinct replies for the 1-of-10 validation recall.
    return toy_reply_pairs(40, seed=0), toy_reply_pairs(12, seed=1)


def candidate_scores(model, held_out) -> np.ndarray:
    """Each held-out message's scores for its own reply and for the previous message's."""
    messages, replies = held_out
    return model.score(
        messages, [[reply, replies[index - 1]] for index, reply in enumerate(replies)]
    )


def check_candidate_scores(model, held_out, scores) -> None:
    assert scores.shape == (len(held_out[0]), 2)


@cache
def line_points() -> tuple[tuple, tuple]:
    line = make_line_data(LineDataConfig(points=20, slopes="2, -1"), seed=0)
    return (line.X[:15], line.y[:15]), (line.X[15:], line.y[15:])


def check_line_predictions(model, held_out, predictions) -> None:
    assert predictions.shape == (len(held_out[0]),)


KINDS: dict[type, Kind] = {
    SequenceClassifier: classifier_kind(digits_data, lambda X: X.reshape(len(X), -1), "timesteps"),
    TextClassifier: classifier_kind(polarity_data, lambda X: np.arange(len(X)), "not text"),
    LanguageModel: Kind(
        data=word_documents,
        fit=lambda model, train, held_out, observer: model.fit(
            *train, validation_documents=held_out[0], observer=observer
        ),
        outputs=token_log_probs,
        check=check_token_log_probs,
        bad_data=lambda train: [
            # The words themselves instead of their ids in the vocabulary.
            (([train[1].decode(ids) for ids in train[0]], train[1]), "token ids"),
            (([np.zeros(0, dtype=int)], train[1]), "no tokens"),
        ],
        history_keys=frozenset({"epoch", "complete", "loss", "val_loss"}),
    ),
    # Not a LanguageModel: it reads raw texts and is scored per character.
    CharLstmLanguageModel: Kind(
        data=character_texts,
        fit=lambda model, train, held_out, observer: model.fit(
            *train, validation_texts=held_out[0], observer=observer
        ),
        outputs=character_log_probs,
        check=check_character_log_probs,
        bad_data=lambda train: [
            # Token ids, as the word language models read, instead of texts.
            (([np.arange(5), np.arange(7)],), "not text"),
            ((["", " ... "],), "no words"),
        ],
        history_keys=frozenset({"epoch", "complete", "loss", "val_loss"}),
    ),
    Tagger: Kind(
        data=tagged_characters,
        fit=fit_with_validation,
        outputs=lambda model, held_out: model.predict_proba(held_out[0]),
        check=check_tag_probabilities,
        bad_data=lambda train: [
            (([[1, 2, 3]], [np.array([0, 1, 0])]), "must be text"),
            ((train[0], [np.zeros(len(tags), dtype=int) for tags in train[1]]), "single tag"),
        ],
        history_keys=frozenset({"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}),
    ),
    Replier: Kind(
        data=reply_pairs,
        fit=fit_with_validation,
        outputs=candidate_scores,
        check=check_candidate_scores,
        bad_data=lambda train: [
            (([1, 2], train[1][:2]), "not two texts"),
            ((train[0][:1], train[1][:1]), "at least two"),
        ],
        history_keys=frozenset({"epoch", "complete", "val_recall_at_1"}),
    ),
    PerceptronRegressor: Kind(
        data=line_points,
        fit=lambda model, train, held_out, observer: model.fit(*train, observer=observer),
        outputs=lambda model, held_out: model.predict(held_out[0]),
        check=check_line_predictions,
        bad_data=lambda train: [
            # One feature's column instead of the (points, features) matrix.
            ((train[0][:, 0], train[1]), "features"),
            ((train[0], train[1][:-1]), "one y per point"),
        ],
        history_keys=frozenset({"epoch", "loss", "weights", "intercept"}),
        raises_when_stopped_before_training=False,
    ),
}


def kind_of(spec: ModelSpec) -> Kind:
    for protocol, kind in KINDS.items():
        if issubclass(spec.estimator_class, protocol):
            return kind
    raise LookupError(
        f"{spec.estimator_class.__name__} is of no kind in KINDS: say there how to train it."
    )


def learned_attributes(model) -> list[str]:
    return [name for name in vars(model) if name.endswith("_")]


def assert_same_outputs(actual, expected) -> None:
    """Equal up to float noise; a tagger's outputs are one array per sequence."""
    if isinstance(expected, list):
        assert len(actual) == len(expected)
        for actual_part, expected_part in zip(actual, expected, strict=True):
            np.testing.assert_allclose(actual_part, expected_part, atol=1e-5)
    else:
        np.testing.assert_allclose(actual, expected, atol=1e-5)


@pytest.fixture(
    scope="module", params=list(MODELS.values()), ids=lambda spec: f"{spec.task}:{spec.name}"
)
def spec(request) -> ModelSpec:
    """Module-scoped, so the tests of one model run together and share its fitted instance."""
    return request.param


@dataclass
class Fitted:
    model: object
    returned: object  # what `fit` returned


@pytest.fixture(scope="module")
def fitted(spec) -> Fitted:
    """The model trained once, with seed 0, on its kind's tiny data."""
    kind = kind_of(spec)
    model = spec.build(tiny_config(spec), seed=0)
    train, held_out = kind.data()
    return Fitted(model, kind.fit(model, train, held_out, None))


def test_constructor_stores_hyperparameters_only(spec):
    model = spec.build(tiny_config(spec), seed=3)
    assert model.get_params() == {"config": tiny_config(spec), "random_state": 3}
    assert learned_attributes(model) == []


def test_fit_returns_self_and_keeps_what_it_learnt_in_attributes_ending_in_underscore(spec, fitted):
    model = fitted.model
    assert fitted.returned is model
    assert learned_attributes(model)
    assert model.get_params() == {"config": tiny_config(spec), "random_state": 0}  # unchanged
    assert model.count_params() > 0
    assert model.history_ and kind_of(spec).history_keys <= set(model.history_[0])
    assert model.stopped_ is False


def test_outputs_on_held_out_data_have_the_right_shape(spec, fitted):
    kind = kind_of(spec)
    held_out = kind.data()[1]
    outputs = kind.outputs(fitted.model, held_out)
    kind.check(fitted.model, held_out, outputs)
    assert all(np.isfinite(part).all() for part in outputs)


def test_save_and_load_give_the_same_outputs_and_leave_no_temporary_file(spec, fitted, tmp_path):
    kind, model = kind_of(spec), fitted.model
    held_out = kind.data()[1]
    path = model.save(tmp_path / f"model{model.artifact_suffix}")
    assert [file.name for file in tmp_path.iterdir()] == [path.name]
    loaded = kind.load(model, path)
    assert type(loaded) is type(model)
    assert_same_outputs(kind.outputs(loaded, held_out), kind.outputs(model, held_out))


def test_get_params_rebuild_an_unfitted_model_with_the_same_settings(fitted):
    model = fitted.model
    rebuilt = type(model)(**model.get_params())
    assert rebuilt.get_params() == model.get_params()
    assert learned_attributes(rebuilt) == []


def test_same_seed_same_outputs(spec, fitted):
    kind = kind_of(spec)
    train, held_out = kind.data()
    again = kind.fit(spec.build(tiny_config(spec), seed=0), train, held_out, None)
    assert_same_outputs(kind.outputs(again, held_out), kind.outputs(fitted.model, held_out))


def test_bad_training_data_gets_an_error_a_user_can_act_on(spec):
    """A ValueError (core.errors.UserFacingError is one) saying what is wrong, raised by the
    model's own checks rather than a TypeError or IndexError from deep inside."""
    kind = kind_of(spec)
    for arguments, complaint in kind.bad_data(kind.data()[0]):
        with pytest.raises(ValueError, match=complaint):
            spec.build(tiny_config(spec), seed=0).fit(*arguments)


def test_stop_before_the_first_step_trains_nothing(spec):
    kind = kind_of(spec)
    train, held_out = kind.data()
    stop = StopFlag()
    stop.request_stop()
    model = spec.build(tiny_config(spec), seed=0)
    if kind.raises_when_stopped_before_training:
        with pytest.raises(TrainingStopped):
            kind.fit(model, train, held_out, stop)
    else:
        kind.fit(model, train, held_out, stop)
        assert model.stopped_ is True and model.history_ == []


class StopAtFirstProgress(TrainingObserver):
    """Asks to stop once a model reports its first step (a batch, or a whole-batch epoch);
    remembers how many steps the model planned."""

    def __init__(self):
        self.planned_steps = 0
        self.reported = False

    def on_train_begin(self, total_epochs, steps_per_epoch):
        self.planned_steps = total_epochs * steps_per_epoch

    def on_batch_end(self, epoch, step, logs):
        self.reported = True

    def on_epoch_end(self, epoch, logs):
        self.reported = True

    def should_stop(self):
        return self.reported


def test_stop_after_the_first_step_leaves_a_usable_model(spec):
    kind = kind_of(spec)
    train, held_out = kind.data()
    model = spec.build(tiny_config(spec), seed=0)
    observer = StopAtFirstProgress()
    kind.fit(model, train, held_out, observer)
    # A model that trains in one step (nearest neighbours, retrieval) has nothing to stop.
    assert model.stopped_ is (observer.planned_steps > 1)
    assert len(model.history_) == 1
    kind.check(model, held_out, kind.outputs(model, held_out))
