"""Which training path each task takes; the background job, the CLI and the benches ask here.

Every task trains through `core.tasks.training.train_on_path`, so all record into the same run store
in the same way; a task's path says how it prepares data, fits and evaluates: classifiers (images
read row by row, labelled texts) in core/tasks/training.py, language models in
core/tasks/text_prediction/training.py, taggers in core/tasks/sequence_labelling/training.py and
repliers in core/tasks/reply/training.py. The perceptron's regression keeps its own foreground path
(core/tasks/regression.py).
"""

from core.errors import InvalidConfig
from core.task_names import (
    REPLY,
    SEQUENCE_CLASSIFICATION,
    SEQUENCE_LABELLING,
    TEXT_CLASSIFICATION,
    TEXT_PREDICTION,
)
from core.tasks.reply.training import REPLYING
from core.tasks.sequence_labelling.training import TAGGING
from core.tasks.text_prediction.training import LANGUAGE_MODELLING
from core.tasks.training import CLASSIFICATION, TrainingResult, train_on_path

PATHS = {
    SEQUENCE_CLASSIFICATION: CLASSIFICATION,
    TEXT_CLASSIFICATION: CLASSIFICATION,
    TEXT_PREDICTION: LANGUAGE_MODELLING,
    SEQUENCE_LABELLING: TAGGING,
    REPLY: REPLYING,
}


def train(task: str, dataset: str, model_name: str, **options) -> TrainingResult:
    """Train `model_name` on `dataset` by the task's path and record the run; options are
    `store`, `config`, `seed`, `observer` and `visitor` (see `train_on_path`)."""
    try:
        path = PATHS[task]
    except KeyError:
        raise InvalidConfig(
            f"{task} does not train in the background; choose one of {', '.join(PATHS)}."
        ) from None
    return train_on_path(path, task, dataset, model_name, **options)
