"""Sequence classification: images read row by row, one row of pixels per timestep."""

from core.data.datasets import datasets_for
from core.data.image_preview import image_preview
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks.classification import CLASSIFICATION, validation_view
from core.tasks.job_costs import preview_shape
from core.tasks.metrics import CLASSIFICATION_METRICS
from core.tasks.task import Task, accuracy_line

TASK = Task(
    SEQUENCE_CLASSIFICATION,
    path=CLASSIFICATION,
    metrics=CLASSIFICATION_METRICS,
    dataset_help="an image dataset (see `python -m core datasets`)",
    data_titles=lambda: [info.title for info in datasets_for(SEQUENCE_CLASSIFICATION)],
    summary=accuracy_line,
    tuning_view=validation_view,
    prediction_unit="image",
    shape_without_loading=lambda name: preview_shape(image_preview(name, count=1)),
)
