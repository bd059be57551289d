"""The home page's overview of tasks, datasets and models, read from the registries."""

import streamlit as st

from core.models.registry import models_for
from core.tasks.registry import REGISTERED


def task_overview() -> None:
    for task in REGISTERED.values():
        models = models_for(task.name)
        parts = {
            "Baselines": [spec.title for spec in models if spec.family == "baseline"],
            "Neural": [spec.title for spec in models if spec.family == "neural"],
            "Data": task.data_titles(),
        }
        listed = "  \n".join(
            f"{name}: {', '.join(items)}." for name, items in parts.items() if items
        )
        st.markdown(f"**{task.title}**  \n{listed}")
