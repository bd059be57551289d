"""A dataset at a glance, and how one image becomes a sequence of row vectors.

An image dataset is shown from a preview (core/data/image_preview.py): its sizes and first
images, made where large data is read (the model worker in hosted mode), so the app never
holds a whole 70,000-image set to show 20 of them.
"""

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.data.dataset_info import DatasetInfo
from core.data.datasets import load_dataset
from core.data.image_preview import ImagePreview, image_preview
from core.errors import UserFacingError
from dashboard import charts, hosting
from dashboard.highlight import escape_markdown
from dashboard.services import availability

SAMPLES_SHOWN = 20


def loaded_dataset(info: DatasetInfo, load: Callable[[str], Any] = load_dataset) -> Any:
    """`load(info.name)`, the loaded dataset by default, or None after saying why it cannot be
    loaded here."""
    reason = availability(info.name)
    if reason:
        st.warning(reason)
        return None
    try:
        with st.spinner(f"Loading {info.title}..."):
            return load(info.name)
    except UserFacingError as error:  # not loadable here, or the model worker was lost
        st.error(escape_markdown(str(error)))
        return None


@st.cache_data(max_entries=8, show_spinner=False)
def _preview(name: str) -> ImagePreview:
    """Once per image dataset and process (a preview is 300 KB, the same for every visitor)."""
    return hosting.in_worker(image_preview, name)


def dataset_overview(info: DatasetInfo) -> ImagePreview | None:
    """Sizes, sample images and the sequence view; None (with a message) if unavailable."""
    data = loaded_dataset(info, _preview)
    if data is None:
        return None
    st.markdown(
        f"**{data.examples:,} images** in {len(data.class_names)} classes. A batch is a "
        f"tensor shaped **(batch, {data.timesteps} timesteps, {data.features} features)**"
        f": the RNN reads {data.timesteps} row vectors of {data.features} pixels each."
    )
    samples, sequence = st.tabs(["Sample images", "One image as a sequence"])
    with samples:
        labels = data.sample_labels[:SAMPLES_SHOWN]
        st.plotly_chart(
            charts.image_grid(
                data.samples[:SAMPLES_SHOWN], [data.class_names[label] for label in labels]
            ),
            key="samples",
        )
    with sequence:
        index = int(
            st.number_input(
                f"Image number (of the first {len(data.samples)})",
                min_value=0,
                max_value=len(data.samples) - 1,
                value=0,
                key=f"sequence.image.{info.name}",
            )
        )
        st.caption(
            f"Label: {data.class_names[data.sample_labels[index]]}. Row t is the input at "
            f"timestep t; the model's state carries what it saw in rows 1..t-1."
        )
        st.plotly_chart(charts.sequence_view(data.samples[index]), key="sequence_view")
    return data
