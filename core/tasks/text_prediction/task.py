"""Text prediction: next-word language models on a corpus, scored alike whatever their kind."""

from core.data.corpora import BUILT_IN, corpus_from_upload
from core.runs.store import RunRecord
from core.task_names import TEXT_PREDICTION
from core.tasks.metrics import TEXT_PREDICTION_METRICS
from core.tasks.task import FileUpload, Task
from core.tasks.text_prediction.training import LANGUAGE_MODELLING


def _corpus_titles() -> list[str]:
    return [title for title, *_ in BUILT_IN.values()]


def _save_text(content: bytes, filename: str, columns: dict[str, str]):
    return corpus_from_upload(content, filename).name, ()


def _summary(run: RunRecord) -> str:
    metrics = run.metrics
    fit = (
        f"perplexity {metrics['perplexity']:.1f}"
        if "perplexity" in metrics
        else f"{metrics['bits_per_character']:.3f} bits per character"
    )
    return (
        f"{run.id} {run.status}: {fit}, next word top-1 "
        f"{metrics['accuracy']:.4f} (95% CI {metrics['accuracy_low']:.4f}-"
        f"{metrics['accuracy_high']:.4f}), top-3 {metrics['top3_accuracy']:.4f}, keystrokes "
        f"saved {metrics['keystroke_savings']:.1%}, {run.predict_ms:.1f} ms per suggestion, "
        f"{run.train_seconds:.1f} s"
    )


TASK = Task(
    TEXT_PREDICTION,
    path=LANGUAGE_MODELLING,
    metrics=TEXT_PREDICTION_METRICS,
    dataset_help=f"a corpus ({', '.join(BUILT_IN)}, or dataset:NAME for a text dataset's texts)",
    data_titles=lambda: _corpus_titles() + ["any text dataset's texts", "your .txt file"],
    summary=_summary,
    upload=FileUpload("a plain-text corpus (.txt)", (), _save_text),
    prediction_unit="suggestion",
    # The vocabulary is built from the whole training part, so a model trained on a subset
    # would still know every training word: not a smaller training set.
    curve_unsupported="its shared vocabulary is built from the whole training part",
)
