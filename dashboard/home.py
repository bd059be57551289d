"""The home page's overview of tasks, datasets and models, read from the registries."""

import streamlit as st

from core.data.corpora import BUILT_IN
from core.data.datasets import datasets_for
from core.data.replies import BUILT_IN as REPLY_DATASETS
from core.models.registry import models_for
from core.task_names import REPLY, SEQUENCE_LABELLING, TASKS, TEXT_PREDICTION


def _data_of(task: str) -> list[str]:
    """What a task trains on: its datasets, or for the corpus tasks the corpora."""
    corpora = [title for title, *_ in BUILT_IN.values()]
    if task == TEXT_PREDICTION:
        return corpora + ["any text dataset's texts", "your .txt file"]
    if task == SEQUENCE_LABELLING:
        return [f"word segmentation of {', '.join(corpora)}", "your CoNLL-U or word-TAG file"]
    if task == REPLY:
        return [dataset.title for dataset in REPLY_DATASETS.values()] + ["your CSV of pairs"]
    return [info.title for info in datasets_for(task)]


def task_overview() -> None:
    for task, description in TASKS.items():
        models = models_for(task)
        parts = {
            "Baselines": [spec.title for spec in models if spec.family == "baseline"],
            "Neural": [spec.title for spec in models if spec.family == "neural"],
            "Data": _data_of(task),
        }
        listed = "  \n".join(
            f"{name}: {', '.join(items)}." for name, items in parts.items() if items
        )
        st.markdown(f"**{description}**  \n{listed}")
