"""The link mechanism's pure half: reading a link into widget values and writing them back."""

import pytest

from core.data.datasets import datasets_for
from core.models.registry import models_for
from core.task_names import SEQUENCE_CLASSIFICATION
from dashboard import url_state
from dashboard.components import dataset_url_field, settings_url_fields
from dashboard.training_panel import plan_url_fields

TASK = SEQUENCE_CLASSIFICATION


def sequence_fields():
    return [
        dataset_url_field(TASK, "d"),
        *plan_url_fields(TASK, "c"),
        url_state.value("seed", "s", 0),
    ]


def test_a_page_survives_the_round_trip_through_its_link():
    specs = {spec.name: spec for spec in models_for(TASK)}
    mnist = next(info for info in datasets_for(TASK) if info.name == "mnist-5k")
    shown = {
        "d": mnist,
        "c.models": [specs["logreg"], specs["gru"]],
        "c.gru.epochs": 3,
        "c.gru.learning_rate": 0.0025,
        "c.gru.bidirectional": True,
        "c.gru.optimizer": "sgd",
        "c.lstm.units": specs["lstm"].default_config().units,  # a default: left out
        "s": 7,
    }
    params = url_state.params_of(sequence_fields(), shown)
    assert params == {
        "dataset": "mnist-5k",
        "models": "logreg,gru",
        "gru.epochs": "3",
        "gru.learning_rate": "0.0025",
        "gru.bidirectional": "true",
        "gru.optimizer": "sgd",
        "seed": "7",
    }
    values, notes = url_state.seed(sequence_fields(), params)
    assert notes == []
    assert values == {key: value for key, value in shown.items() if key != "c.lstm.units"}
    assert type(values["c.gru.learning_rate"]) is float and type(values["s"]) is int


@pytest.mark.parametrize(
    ("param", "text", "reason"),
    [
        ("dataset", "imagenet", "not one of digits, mnist-5k"),
        ("models", "logreg,transformer", "transformer is not one of logreg, majority, mlp"),
        ("gru.epochs", "3.5", "not a whole number"),
        ("gru.learning_rate", "nan", "not a finite number"),
        ("gru.learning_rate", "fast", "not a number"),
        ("gru.bidirectional", "maybe", "not true or false"),
        ("gru.optimizer", "lion", "not one of"),
        ("seed", "", "not a whole number"),
    ],
)
def test_a_value_that_does_not_fit_is_left_out_with_a_note(param, text, reason):
    values, notes = url_state.seed(sequence_fields(), {"seed": "4", param: text})
    [note] = notes
    assert note.startswith(f"{param}={text!r} (") and reason in note
    assert values == ({} if param == "seed" else {"s": 4})


def test_unknown_parameters_are_ignored_and_long_values_shortened_in_the_note():
    values, notes = url_state.seed(sequence_fields(), {"utm_source": "x", "dataset": "y" * 500})
    assert values == {}
    [note] = notes
    assert len(note) < 200 and "yyy..." in note


def test_a_model_named_twice_is_chosen_once():
    values, _ = url_state.seed(sequence_fields(), {"models": "gru, gru,logreg"})
    assert [spec.name for spec in values["c.models"]] == ["gru", "logreg"]


def test_no_models_chosen_is_a_value_the_link_keeps():
    params = url_state.params_of(sequence_fields(), {"c.models": []})
    assert params == {"models": ""}
    assert url_state.seed(sequence_fields(), params)[0] == {"c.models": []}


def test_settings_fields_take_the_type_the_form_gives_each_input():
    from core.learn.line_data import LineDataConfig
    from core.models.perceptron import PerceptronConfig

    fields = {
        field.param: field
        for field in settings_url_fields(LineDataConfig(), "data")
        + settings_url_fields(PerceptronConfig(), "training")
    }
    assert set(fields) == {
        "setup",
        "points",
        "slopes",
        "intercept",
        "noise",
        "learning_rate",
        "epochs",
        "optimizer",
        "loss",
    }
    assert fields["intercept"].read("1") == 1.0 and type(fields["intercept"].read("1")) is float
    assert fields["slopes"].read("2,-1") == "2,-1"
    assert fields["setup"].read("clean") == "clean"
    assert fields["points"].key == "data.points"


def test_a_value_written_as_always_is_in_the_link_even_when_first():
    field = url_state.choice("first", "f", ["a", "b"], default=url_state.ALWAYS)
    assert url_state.params_of([field], {"f": "a"}) == {"first": "a"}
