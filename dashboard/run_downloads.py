"""Take a run away: its model file, its record as JSON, everything as a zip, and the command
that trains it again (core/tasks/run_export.py builds each; this module only offers them)."""

import json

import streamlit as st

from core.runs.artifacts import ArtifactChanged, verified_artifact
from core.runs.store import RunRecord
from core.tasks.run_export import NotReproducible, export_bundle, reproduce_command, run_document
from dashboard.highlight import escape_markdown

MODEL_FILES = {
    ".keras": "a Keras model",
    ".zip": "a Keras model with its vocabulary",
    ".npz": "NumPy arrays",
}


def _label(run: RunRecord) -> str:
    return f"{run.id}: {run.dataset} / {run.model} (seed {run.seed}, {run.status})"


def run_downloads(runs: list[RunRecord], key: str) -> None:
    """Choose one of `runs` (newest first) and offer its files and its command."""
    if not runs:
        return
    run = st.selectbox("Run to download", runs, format_func=_label, key=f"{key}.run")
    try:
        command = reproduce_command(run)
    except NotReproducible as error:
        st.info(escape_markdown(str(error)))
    else:
        st.caption(
            "Trains the same model on the same data, split and seed again, from a seqlab "
            "checkout (an uploaded dataset must be in its data folder under the same name):"
        )
        st.code(command, language="bash", wrap_lines=True)
    model, record, bundle = st.columns(3)
    artifact = None
    if run.artifact_path:
        try:
            artifact = verified_artifact(run)
        except ArtifactChanged as error:
            st.warning(escape_markdown(str(error)))
    if artifact is not None:
        model.download_button(
            f"Model file ({artifact.suffix})",
            data=artifact.read_bytes,
            file_name=artifact.name,
            mime="application/octet-stream",
            on_click="ignore",
            key=f"{key}.model",
            help=f"{MODEL_FILES.get(artifact.suffix, 'the model')}; loads with seqlab: "
            "`core.tasks.run_export.load_exported(model_file, run_json)`. Keras files load in safe "
            "mode and arrays without pickle.",
        )
    elif not run.artifact_path:
        model.caption("No model file: nothing was trained.")
    record.download_button(
        "Run as JSON",
        data=json.dumps(run_document(run), indent=2),
        file_name=f"{run.id}.json",
        mime="application/json",
        on_click="ignore",
        key=f"{key}.json",
        help="Settings, split, test metrics, per-epoch history and the command above.",
    )
    bundle.download_button(
        "Everything (zip)",
        data=lambda: export_bundle(run),
        file_name=f"seqlab-{run.id}.zip",
        mime="application/zip",
        on_click="ignore",
        key=f"{key}.zip",
        disabled=run.artifact_path is not None and artifact is None,
        help="The model file, the run as JSON, the command as reproduce.sh and a README.",
    )
