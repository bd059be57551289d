"""Draw a digit and see every trained model's probabilities side by side."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from core.data.dataset_info import DatasetInfo
from core.learn.drawing import drawing_to_image
from dashboard import charts
from dashboard.state import TrainedModel

CANVAS_PIXELS = 280
PEN_PIXELS = 22


def draw_and_predict(
    dataset: DatasetInfo, models: list[TrainedModel], class_names: tuple[str, ...], size: int
) -> None:
    if not models:
        st.info("Train at least one model on this dataset above, then draw here.")
        return
    left, right = st.columns([1, 2])
    with left:
        canvas = st_canvas(
            stroke_width=PEN_PIXELS,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_PIXELS,
            width=CANVAS_PIXELS,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"canvas.{dataset.name}",
        )
        st.caption("Draw with the mouse; use the bin icon under the canvas to clear it.")
    image = None
    if canvas.image_data is not None:
        image = drawing_to_image(
            canvas.image_data,
            size,
            dataset.ink_box,
            stroke_pixels=PEN_PIXELS,
            stroke_cells=dataset.stroke_cells,
        )
    with right:
        if image is None:
            st.info("The canvas is empty: draw a digit to see the predictions.")
            return
        batch = image[np.newaxis]  # (1, time, features)
        probabilities = {trained.label: trained.model.predict_proba(batch)[0] for trained in models}
        st.plotly_chart(charts.probability_bars(probabilities, class_names), key="drawn_probs")
        st.write(
            ", ".join(
                f"**{title}**: {class_names[int(np.argmax(values))]} ({values.max():.0%})"
                for title, values in probabilities.items()
            )
        )
        st.plotly_chart(
            charts.image_grid(image[np.newaxis], ["what the models see"], columns=1),
            key="drawn_input",
        )
