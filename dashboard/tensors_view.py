"""The Tensors page's parts: type a tensor and inspect it; follow a batch through RNN layouts."""

import streamlit as st

from core.errors import UserFacingError
from core.learn.tensors import EXAMPLES, inspect_tensor, parse_nested_list, sequence_layouts
from dashboard import charts, hosting, url_state
from dashboard.highlight import escape_markdown


def tensors_url_fields() -> list[url_state.UrlField]:
    """The page in a link: `example=<name>`, the typed values of each example
    (`values.<n>`, n counting the examples from 0) and the batch sizes."""
    return [
        url_state.choice("example", "tensors.example", list(EXAMPLES)),
        *(
            url_state.value(f"values.{index}", f"tensors.text.{example}", text)
            for index, (example, text) in enumerate(EXAMPLES.items())
        ),
        url_state.value("batch", "tensors.batch", 2),
        url_state.value("timesteps", "tensors.time", 3),
        url_state.value("features", "tensors.features", 4),
    ]


def tensor_inspector() -> None:
    example = st.selectbox("Start from the seeds' examples", list(EXAMPLES), key="tensors.example")
    text = st.text_area(
        "Values (a number, or nested lists of numbers)",
        value=EXAMPLES[example],
        key=f"tensors.text.{example}",
        help="Written like [[1, 2, 3], [4, 5, 6]]. Parsed as JSON, never run as code.",
    )
    try:
        report = hosting.in_worker(inspect_tensor, parse_nested_list(text))
    except UserFacingError as error:
        st.error(escape_markdown(str(error)))
        return
    rank, shape, dtype = st.columns(3)
    rank.metric("Rank", report.rank)
    shape.metric("Shape", str(report.shape))
    dtype.metric("dtype", report.dtype)
    st.caption(
        "Integers become int32 and any decimal point makes the whole tensor float32: a tensor "
        "holds one dtype."
    )
    if report.rank in (1, 2):
        st.plotly_chart(charts.numbered_grid(report.values, "row", "column"), key="typed")
    else:
        st.code(str(report.values), language=None)


def layout_explorer() -> None:
    sizes = st.columns(3)
    batch = int(sizes[0].number_input("Batch", value=2, step=1, key="tensors.batch"))
    timesteps = int(sizes[1].number_input("Timesteps", value=3, step=1, key="tensors.time"))
    features = int(sizes[2].number_input("Features", value=4, step=1, key="tensors.features"))
    try:
        layouts = hosting.in_worker(sequence_layouts, batch, timesteps, features)
    except UserFacingError as error:
        st.error(escape_markdown(str(error)))
        return
    st.markdown(
        f"**Batch-major** `(batch={batch}, time={timesteps}, features={features})`, as Keras "
        "layers take it. Each value is numbered so you can follow it."
    )
    for index, sequence in enumerate(layouts.batch_major):
        st.plotly_chart(
            charts.numbered_grid(sequence, "timestep", "feature", f"sequence {index}"),
            key=f"batch.{index}",
        )
    st.markdown(
        "**Unstack over time** (`tf.unstack(x, axis=1)`, the seeds' `unpack_sequence`): "
        f"{timesteps} tensors of `(batch, features)`; an unrolled RNN feeds tensor t to its "
        "cell at step t, and `tf.stack(steps, axis=1)` (`pack_sequence`) puts them back."
    )
    columns = st.columns(min(timesteps, 4))
    for step, values in enumerate(layouts.steps):
        with columns[step % len(columns)]:
            st.plotly_chart(
                charts.numbered_grid(values, "sequence", "feature", f"timestep {step}"),
                key=f"step.{step}",
            )
    same = bool((layouts.restacked == layouts.batch_major).all())
    st.caption(f"Stacked back, the batch is {'identical' if same else 'NOT identical'}.")
    st.markdown(
        "**Time-major** (`tf.transpose(x, perm=[1, 0, 2])`): `(time, batch, features)`, shape "
        f"{layouts.time_major.shape}. Its slice t is exactly the timestep-t picture above: the "
        "same numbers, grouped by timestep first."
    )
    st.markdown(
        "**Flattened** (`tf.reshape(x, (batch, time * features))`): what the logistic-"
        "regression baseline reads; the order of rows is kept but the model no longer knows it."
    )
    st.plotly_chart(
        charts.numbered_grid(layouts.flattened, "sequence", "time x feature"), key="flattened"
    )
