"""Text classification: labelled texts, from the bundled sets or a table the user brings."""

from core.data.datasets import datasets_for
from core.data.uploaded_datasets import save_labelled_upload
from core.data.uploads import read_table
from core.task_names import TEXT_CLASSIFICATION
from core.tasks.classification import CLASSIFICATION, validation_view
from core.tasks.metrics import CLASSIFICATION_METRICS
from core.tasks.task import FileUpload, Task, accuracy_line


def _save_table(content: bytes, filename: str, columns: dict[str, str]):
    table = read_table(content, filename)
    info, notes = save_labelled_upload(table, columns["text"], columns["label"])
    return info.name, notes


TASK = Task(
    TEXT_CLASSIFICATION,
    path=CLASSIFICATION,
    metrics=CLASSIFICATION_METRICS,
    dataset_help="a labelled text dataset (see `python -m core datasets`)",
    data_titles=lambda: [info.title for info in datasets_for(TEXT_CLASSIFICATION)],
    summary=accuracy_line,
    upload=FileUpload(
        "a CSV/TSV of labelled texts",
        (("text", "the texts"), ("label", "the labels")),
        _save_table,
    ),
    tuning_view=validation_view,
    prediction_unit="text",
)
