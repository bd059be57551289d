import numpy as np
import pytest

from core.drawing import drawing_to_image


def canvas_with_stroke(top, bottom, left, right, size=280):
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    rgba[top:bottom, left:right] = 255
    return rgba


def test_blank_canvas_gives_none():
    assert drawing_to_image(np.zeros((280, 280, 4), dtype=np.uint8), 28, 20) is None


def test_stroke_is_scaled_into_the_ink_box_and_centred():
    image = drawing_to_image(canvas_with_stroke(10, 210, 20, 60), size=28, ink_box=20)
    assert image.shape == (28, 28) and image.max() == pytest.approx(1.0)
    rows = np.flatnonzero(image.max(axis=1) > 0)
    columns = np.flatnonzero(image.max(axis=0) > 0)
    assert rows[-1] - rows[0] + 1 == 20  # the long side fills the box
    assert (
        abs((rows[0] + rows[-1]) / 2 - 13.5) <= 1
        and abs((columns[0] + columns[-1]) / 2 - 13.5) <= 1
    )


def test_digits_fill_their_whole_box():
    image = drawing_to_image(canvas_with_stroke(0, 280, 100, 180), size=8, ink_box=8)
    assert image.shape == (8, 8) and image[:, 3:5].min() > 0.5


def test_not_an_rgba_image():
    with pytest.raises(ValueError, match="RGBA"):
        drawing_to_image(np.zeros((28, 28)), 28, 20)
