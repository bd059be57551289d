"""Turn a drawing from the browser canvas into an image shaped like a dataset's images.

MNIST digits are centred by their centre of mass with the ink in a 20x20 box inside 28x28;
scikit-learn's 8x8 digits fill their whole box. Mimicking that preparation is what lets a
model trained on the dataset read a digit drawn with a mouse.
"""

import numpy as np

INK_THRESHOLD = 0.05


def ink_of(rgba: np.ndarray) -> np.ndarray:
    """Ink intensity in [0, 1] from canvas RGBA (strokes light on a dark or clear background)."""
    rgba = np.asarray(rgba, dtype=np.float64)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"Expected an RGBA image (height, width, 4); got shape {rgba.shape}.")
    # Canvas channels are bytes; anything else (NaN, 1e38) would turn the centring into NaN.
    rgba = np.nan_to_num(rgba, nan=0.0, posinf=255.0, neginf=0.0).clip(0, 255).astype(np.float32)
    brightness = rgba[..., :3].mean(axis=2) / 255.0
    return brightness * (rgba[..., 3] / 255.0)


def _crop_to_ink(ink: np.ndarray) -> np.ndarray | None:
    rows = np.flatnonzero(ink.max(axis=1) > INK_THRESHOLD)
    columns = np.flatnonzero(ink.max(axis=0) > INK_THRESHOLD)
    if rows.size == 0:
        return None
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _thicken(cropped: np.ndarray, stroke_pixels: float, stroke_cells: float, ink_box: int):
    """Widen strokes so that after scaling they are about `stroke_cells` output pixels wide.

    A pen that looks right on a 280-pixel canvas becomes a hairline in an 8x8 image, where
    the dataset's own strokes are two cells wide; a max filter grows the strokes to match.
    """
    from PIL import Image, ImageFilter

    grow = stroke_cells * max(cropped.shape) / ink_box - stroke_pixels
    if grow < 2:
        return cropped
    width = int(grow) // 2 * 2 + 1  # MaxFilter takes an odd size
    padded = np.pad(cropped, width // 2 + 1)
    return np.asarray(Image.fromarray(padded).filter(ImageFilter.MaxFilter(width)))


def drawing_to_image(
    rgba: np.ndarray,
    size: int,
    ink_box: int,
    *,
    stroke_pixels: float,
    stroke_cells: float,
) -> np.ndarray | None:
    """A (size, size) image in [0, 1] shaped like the dataset's; None if nothing is drawn.

    The ink is cropped, its strokes widened to `stroke_cells` output pixels (the canvas pen is
    `stroke_pixels` wide), scaled so its longer side spans `ink_box`, and centred by mass.
    """
    from PIL import Image

    cropped = _crop_to_ink(ink_of(rgba))
    if cropped is None:
        return None
    cropped = _thicken(cropped, stroke_pixels, stroke_cells, ink_box)
    scale = ink_box / max(cropped.shape)
    height = max(1, round(cropped.shape[0] * scale))
    width = max(1, round(cropped.shape[1] * scale))
    # BOX filtering averages the pixels that fall in each target cell, as digits' 4x4 pooling did.
    resized = np.asarray(Image.fromarray(cropped).resize((width, height), Image.Resampling.BOX))
    image = np.zeros((size, size), dtype=np.float32)
    total = resized.sum()
    centre_row = (resized.sum(axis=1) @ np.arange(height)) / total
    centre_column = (resized.sum(axis=0) @ np.arange(width)) / total
    top = int(np.clip(round(size / 2 - 0.5 - centre_row), 0, size - height))
    left = int(np.clip(round(size / 2 - 0.5 - centre_column), 0, size - width))
    image[top : top + height, left : left + width] = resized
    return np.clip(image / image.max(), 0.0, 1.0)
