"""Which training path each task takes; the background job and the CLI ask here.

Classifiers (images read row by row, labelled texts) share core/training.py; language models
take core/lm_training.py, taggers core/labelling_training.py and repliers
core/reply_training.py. All record into the same run
store in the same way. The perceptron's regression keeps its own foreground path
(core/regression_runs.py).
"""

from core.corpora import TEXT_PREDICTION
from core.errors import InvalidConfig
from core.labelling_data import SEQUENCE_LABELLING
from core.labelling_training import train_tagger_and_record
from core.lm_training import train_language_model_and_record
from core.registry import SEQUENCE_CLASSIFICATION
from core.reply_data import REPLY
from core.reply_training import train_replier_and_record
from core.text_datasets import TEXT_CLASSIFICATION
from core.training import TrainingResult, train_and_record

TRAINERS = {
    SEQUENCE_CLASSIFICATION: train_and_record,
    TEXT_CLASSIFICATION: train_and_record,
    TEXT_PREDICTION: train_language_model_and_record,
    SEQUENCE_LABELLING: train_tagger_and_record,
    REPLY: train_replier_and_record,
}


def train(task: str, dataset: str, model_name: str, **options) -> TrainingResult:
    """Train `model_name` on `dataset` by the task's path; options as train_and_record takes."""
    try:
        trainer = TRAINERS[task]
    except KeyError:
        raise InvalidConfig(
            f"{task} does not train in the background; choose one of {', '.join(TRAINERS)}."
        ) from None
    return trainer(task, dataset, model_name, **options)
