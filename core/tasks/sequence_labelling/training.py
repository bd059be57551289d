"""How taggers train on a labelling dataset and are evaluated on its held-out sentences.

The task `sequence-labelling` (core/data/labelling.py): every tagger of a dataset and seed sees the
same training, validation and test sentences, is scored by the same evaluation
(core/tasks/sequence_labelling/evaluation.py), and is recorded in the run store like a classifier,
with the test tokens' tags kept for paired tests.
"""

from core.data.labelling import LabellingData, load_labelling_data
from core.progress import TrainingObserver
from core.runs.evaluation import Evaluation
from core.tasks.sequence_labelling.evaluation import evaluate_tagger
from core.tasks.training import TrainingPath


def _fit(model, data: LabellingData, observer: TrainingObserver) -> None:
    sequences, tags = data.part(data.split.train)
    model.fit(sequences, tags, validation_data=data.part(data.split.validation), observer=observer)


def _evaluate(model, data: LabellingData, seed: int) -> Evaluation:
    test_sequences, test_tags = data.part(data.split.test)
    return evaluate_tagger(
        model,
        test_sequences,
        test_tags,
        data.tag_names,
        segmentation=data.kind == "segmentation",
        seed=seed,
    )


TAGGING = TrainingPath(load_labelling_data, _fit, _evaluate)
