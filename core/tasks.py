"""Which training path each task takes; the background job, the CLI and the benches ask here.

Every task trains through `core.training.train_on_path`, so all record into the same run
store in the same way; a task's path says how it prepares data, fits and evaluates:
classifiers (images read row by row, labelled texts) in core/training.py, language models in
core/lm_training.py, taggers in core/labelling_training.py and repliers in
core/reply_training.py. The perceptron's regression keeps its own foreground path
(core/regression_runs.py).
"""

from core.corpora import TEXT_PREDICTION
from core.errors import InvalidConfig
from core.labelling_data import SEQUENCE_LABELLING
from core.labelling_training import TAGGING
from core.lm_training import LANGUAGE_MODELLING
from core.registry import SEQUENCE_CLASSIFICATION
from core.reply_data import REPLY
from core.reply_training import REPLYING
from core.text_datasets import TEXT_CLASSIFICATION
from core.training import CLASSIFICATION, TrainingResult, train_on_path

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
