"""The home page's overview of tasks, datasets and models, read from the registries."""

import streamlit as st

from core.datasets import datasets_for
from core.registry import TASKS, models_for


def task_overview() -> None:
    for task, description in TASKS.items():
        models = models_for(task)
        parts = {
            "Baselines": [spec.title for spec in models if spec.family == "baseline"],
            "Neural": [spec.title for spec in models if spec.family == "neural"],
            "Datasets": [info.title for info in datasets_for(task)],
        }
        listed = "  \n".join(
            f"{name}: {', '.join(items)}." for name, items in parts.items() if items
        )
        st.markdown(f"**{description}**  \n{listed}")
