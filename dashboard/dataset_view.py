"""A dataset at a glance, and how one image becomes a sequence of row vectors."""

import streamlit as st

from core.data.dataset_info import DatasetInfo
from core.data.datasets import load_dataset
from core.data.image_datasets import ImageSequences
from core.errors import DatasetUnavailable
from dashboard import charts
from dashboard.services import availability

SAMPLES_SHOWN = 20


def loaded_dataset(info: DatasetInfo):
    """The loaded dataset, or None after saying why it cannot be loaded here."""
    reason = availability(info.name)
    if reason:
        st.warning(reason)
        return None
    try:
        with st.spinner(f"Loading {info.title}..."):
            return load_dataset(info.name)
    except DatasetUnavailable as error:
        st.error(str(error))
        return None


def dataset_overview(info: DatasetInfo) -> ImageSequences | None:
    """Sizes, sample images and the sequence view; None (with a message) if unavailable."""
    data = loaded_dataset(info)
    if data is None:
        return None
    examples = len(data.labels)
    st.markdown(
        f"**{examples:,} images** in {len(data.class_names)} classes. A batch is a "
        f"tensor shaped **(batch, {data.timesteps} timesteps, {data.features} features)**"
        f": the RNN reads {data.timesteps} row vectors of {data.features} pixels each."
    )
    samples, sequence = st.tabs(["Sample images", "One image as a sequence"])
    with samples:
        shown = data.images[:SAMPLES_SHOWN]
        st.plotly_chart(
            charts.image_grid(
                shown, [data.class_names[label] for label in data.labels[:SAMPLES_SHOWN]]
            ),
            key="samples",
        )
    with sequence:
        index = int(
            st.number_input(
                "Image number",
                min_value=0,
                max_value=examples - 1,
                value=0,
                key=f"sequence.image.{info.name}",
            )
        )
        st.caption(
            f"Label: {data.class_names[data.labels[index]]}. Row t is the input at "
            f"timestep t; the model's state carries what it saw in rows 1..t-1."
        )
        st.plotly_chart(charts.sequence_view(data.images[index]), key="sequence_view")
    return data
