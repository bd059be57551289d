import pytest

from core.configs import settings_of
from core.errors import InvalidConfig
from core.models.registry import model_spec

LSTM = model_spec("sequence-classification", "lstm")


def test_strings_are_parsed_to_the_setting_type():
    config = LSTM.config_with({"epochs": "3", "learning_rate": "0.01", "bidirectional": "yes"})
    assert (config.epochs, config.learning_rate, config.bidirectional) == (3, 0.01, True)
    assert config.cell == "lstm"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"epochs": "three"}, "epochs must be a int"),
        ({"dropout": 1.5}, "dropout must be at most 0.9"),
        ({"optimizer": "adagrad"}, "optimizer must be one of adam, rmsprop, sgd"),
        ({"bidirectional": "maybe"}, "true or false"),
        ({"colour": "red"}, "Unknown setting 'colour'"),
        ({"cell": "gru"}, "Unknown setting 'cell'"),  # the model name fixes the cell
    ],
)
def test_bad_settings_say_what_is_allowed(overrides, message):
    with pytest.raises(InvalidConfig, match=message):
        LSTM.config_with(overrides)


def test_unknown_task_and_model():
    with pytest.raises(InvalidConfig, match="Unknown task"):
        model_spec("translation", "lstm")
    with pytest.raises(InvalidConfig, match="choose one of logreg, majority, mlp, cnn, rnn, lstm"):
        model_spec("sequence-classification", "transformer")


def test_a_model_config_lists_its_own_settings_before_inherited_ones():
    from core.models.recurrent.sequence_classifier import RecurrentConfig

    names = [setting.name for setting in settings_of(RecurrentConfig)]
    assert names[:2] == ["cell", "units"] and names.index("dropout") < names.index("optimizer")
    assert sorted(names) == sorted(RecurrentConfig.__dataclass_fields__)
