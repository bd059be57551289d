"""Every task has one object in the registry, and what differs between tasks lives there."""

import pytest

from core.errors import InvalidConfig
from core.models.registry import MODELS
from core.task_names import TASKS
from core.tasks.registry import REGISTERED, main_metric, secondary_metrics, task


def test_every_task_name_and_every_model_belongs_to_a_registered_task():
    assert list(REGISTERED) == list(TASKS)
    assert {spec.task for spec in MODELS.values()} <= set(REGISTERED)
    for name, known in REGISTERED.items():
        assert known.name == name and known.title == TASKS[name]
        assert known.path is not None or known.foreground is not None
        assert known.data_titles(), name


def test_an_unknown_task_is_a_message_naming_the_known_ones():
    with pytest.raises(InvalidConfig, match="choose one of sequence-classification"):
        task("translation")
    assert main_metric("translation", {"accuracy": 1.0}) is None
    assert secondary_metrics("translation", {"accuracy": 1.0}, None) == {}


def test_the_main_metric_is_the_first_the_run_has():
    segmentation = {"boundary_f1": 0.9, "accuracy": 0.95, "macro_f1": 0.8}
    tagged_upload = {"accuracy": 0.95, "macro_f1": 0.8}
    assert main_metric("sequence-labelling", segmentation).key == "boundary_f1"
    assert main_metric("sequence-labelling", tagged_upload).key == "accuracy"
    assert secondary_metrics("sequence-labelling", tagged_upload, None) == {
        "token accuracy": 0.95,
        "macro-F1 over tags": 0.8,
    }
    assert main_metric("regression", {"weights": [1.0]}) is None


def test_uploads_name_the_columns_they_need():
    takers = {name: known.upload for name, known in REGISTERED.items() if known.upload}
    assert set(takers) == {"text-classification", "text-prediction", "sequence-labelling", "reply"}
    assert [word for word, _ in takers["reply"].columns] == ["message", "reply"]
