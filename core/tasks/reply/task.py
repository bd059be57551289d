"""Reply: answer a message, by retrieval or by a neural replier, scored in 1-of-10."""

from core.data.replies import BUILT_IN, save_reply_upload
from core.data.uploads import read_table
from core.runs.store import RunRecord
from core.task_names import REPLY
from core.tasks.metrics import REPLY_METRICS
from core.tasks.reply.training import REPLYING
from core.tasks.task import FileUpload, Task


def _save_pairs(content: bytes, filename: str, columns: dict[str, str]):
    table = read_table(content, filename)
    return save_reply_upload(table, columns["message"], columns["reply"])


def _summary(run: RunRecord) -> str:
    metrics = run.metrics
    return (
        f"{run.id} {run.status}: 1-of-{metrics['candidates']} recall@1 "
        f"{metrics['recall_at_1']:.4f} (95% CI {metrics['recall_at_1_low']:.4f}-"
        f"{metrics['recall_at_1_high']:.4f}), recall@2 {metrics['recall_at_2']:.4f}, "
        f"recall@5 {metrics['recall_at_5']:.4f} on {metrics['test_examples']} test messages, "
        f"{run.train_seconds:.1f} s"
    )


TASK = Task(
    REPLY,
    path=REPLYING,
    metrics=REPLY_METRICS,
    dataset_help=f"message -> reply pairs ({', '.join(BUILT_IN)})",
    data_titles=lambda: [dataset.title for dataset in BUILT_IN.values()] + ["your CSV of pairs"],
    summary=_summary,
    upload=FileUpload(
        "a CSV/TSV of message and reply pairs",
        (("message", "the messages"), ("reply", "the replies")),
        _save_pairs,
    ),
    prediction_unit="message (10 candidates)",
)
