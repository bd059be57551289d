"""Sequence labelling: a tag for every token, by word segmentation or a tagged upload."""

from core.data.corpora import BUILT_IN
from core.data.labelling import SEGMENTATION_PREFIX
from core.data.tagged_corpora import parse_tagged_upload, save_tagged_upload
from core.runs.store import RunRecord
from core.task_names import SEQUENCE_LABELLING
from core.tasks.metrics import SEQUENCE_LABELLING_METRICS
from core.tasks.sequence_labelling.training import TAGGING
from core.tasks.task import FileUpload, Task, accuracy_line


def _data_titles() -> list[str]:
    corpora = ", ".join(title for title, *_ in BUILT_IN.values())
    return [f"word segmentation of {corpora}", "your CoNLL-U or word-TAG file"]


def _save_tagged(content: bytes, filename: str, columns: dict[str, str]):
    corpus = parse_tagged_upload(content, filename)
    return save_tagged_upload(corpus), corpus.notes


def _summary(run: RunRecord) -> str:
    """Word segmentation reads by its word boundaries; a tagged upload by its tags."""
    metrics = run.metrics
    if "boundary_f1" not in metrics:
        return accuracy_line(run)
    return (
        f"{run.id} {run.status}: word-boundary F1 {metrics['boundary_f1']:.4f} (95% CI "
        f"{metrics['boundary_f1_low']:.4f}-{metrics['boundary_f1_high']:.4f}), character "
        f"accuracy {metrics['accuracy']:.4f}, {run.train_seconds:.1f} s, "
        f"{run.param_count} parameters"
    )


TASK = Task(
    SEQUENCE_LABELLING,
    path=TAGGING,
    metrics=SEQUENCE_LABELLING_METRICS,
    dataset_help=f"{SEGMENTATION_PREFIX}CORPUS (word segmentation of a corpus)",
    data_titles=_data_titles,
    summary=_summary,
    upload=FileUpload("a CoNLL-U or 'word TAG' file", (), _save_tagged),
    prediction_unit="sentence",
)
