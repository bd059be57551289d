import numpy as np
import pytest

from core.learn.drawing import drawing_to_image

PEN = 22


def canvas_with_stroke(top, bottom, left, right, size=280):
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    rgba[top:bottom, left:right] = 255
    return rgba


def prepare(rgba, size, ink_box, stroke_cells):
    return drawing_to_image(rgba, size, ink_box, stroke_pixels=PEN, stroke_cells=stroke_cells)


def test_blank_canvas_gives_none():
    assert prepare(np.zeros((280, 280, 4), dtype=np.uint8), 28, 20, 2.5) is None


def test_stroke_is_scaled_into_the_ink_box_and_centred():
    image = prepare(canvas_with_stroke(10, 210, 20, 60), size=28, ink_box=20, stroke_cells=2.5)
    assert image.shape == (28, 28) and image.max() == pytest.approx(1.0)
    rows = np.flatnonzero(image.max(axis=1) > 0)
    columns = np.flatnonzero(image.max(axis=0) > 0)
    assert rows[-1] - rows[0] + 1 == 20  # the long side fills the box
    assert abs((rows[0] + rows[-1]) / 2 - 13.5) <= 1
    assert abs((columns[0] + columns[-1]) / 2 - 13.5) <= 1


def test_a_pen_line_is_widened_to_the_datasets_stroke_width():
    """A 22-pixel pen line 200 pixels long would be under one cell wide in an 8x8 image."""
    line = canvas_with_stroke(40, 240, 129, 129 + PEN)
    image = prepare(line, size=8, ink_box=8, stroke_cells=1.75)
    inked_columns = np.flatnonzero(image.max(axis=0) > 0.25)
    assert len(inked_columns) >= 2
    unwidened = prepare(line, size=8, ink_box=8, stroke_cells=0.5)
    assert len(np.flatnonzero(unwidened.max(axis=0) > 0.25)) == 1


def test_not_an_rgba_image():
    with pytest.raises(ValueError, match="RGBA"):
        prepare(np.zeros((28, 28)), 28, 20, 2.5)
