"""The home page's overview of tasks, datasets and models, read from the registries."""

import streamlit as st

from core.datasets import datasets_for
from core.registry import TASKS, models_for


def task_overview() -> None:
    for task, description in TASKS.items():
        models = models_for(task)
        baselines = ", ".join(spec.title for spec in models if spec.family == "baseline")
        neural = ", ".join(spec.title for spec in models if spec.family == "neural")
        datasets = ", ".join(info.title for info in datasets_for(task))
        st.markdown(
            f"**{description}**  \nBaselines: {baselines}. Neural: {neural}.  \n"
            f"Datasets: {datasets}."
        )
