"""Fuzzing every upload parser with hypothesis: any bytes give a dataset that reloads by name
from the upload store, or a UserFacingError; never another exception.

Inputs are raw bytes, and valid files with bytes spliced in, cut short or with lines
repeated, which reach much further into each parser than random bytes do. The canvas
drawing's reader gets arbitrary RGBA arrays the same way. Examples are derandomised so the
suite is reproducible; the counts go to .reports/robustness.json.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.errors import UserFacingError
from core.learn.drawing import drawing_to_image
from core.task_names import REPLY, SEQUENCE_LABELLING, TEXT_CLASSIFICATION, TEXT_PREDICTION
from core.tasks.registry import task as task_of
from tests.fixtures.hostile import (
    LABELLED_TEXTS,
    PATHS,
    READERS,
    REPLY_PAIRS,
    SUFFIX,
    TAGGED_CORPUS,
    TEXT_CORPUS,
    valid_file,
)
from tests.robustness.report import record

EXAMPLES = 120  # per parser; enough to pass every branch of the checks, cheap on 2 cores
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
awkward_bytes = st.sampled_from(
    [b"\x00", b"\xff", b"\xe9", b"\r", b"\n\n", b",", b"\t", b'"', b"=", b"\xef\xbb\xbf", b"_"]
) | st.binary(min_size=1, max_size=8)


@st.composite
def mutated(draw, path: str) -> bytes:
    """A valid file for `path`, then a few edits: splice in bytes, cut, or repeat a line."""
    raw = valid_file(path, rows=draw(st.integers(0, 130)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(raw)))
        edit = draw(st.sampled_from(["insert", "cut", "repeat", "truncate"]))
        if edit == "insert":
            raw = raw[:at] + draw(awkward_bytes) + raw[at:]
        elif edit == "cut":
            raw = raw[:at] + raw[at + draw(st.integers(1, 200)) :]
        elif edit == "repeat":
            line_end = raw.find(b"\n", at) + 1 or len(raw)
            raw = raw[:line_end] + raw[at:line_end] * draw(st.integers(1, 50)) + raw[line_end:]
        else:
            raw = raw[:at]
    return raw


def prepared(path: str, stored) -> int:
    """Prepare a stored upload for training as the task's own path does (reloaded by name from
    the upload store, then split); returns how many examples it holds."""
    task, name = {
        LABELLED_TEXTS: lambda: (TEXT_CLASSIFICATION, stored[0].name),
        REPLY_PAIRS: lambda: (REPLY, stored[0]),
        TEXT_CORPUS: lambda: (TEXT_PREDICTION, stored.name),
        TAGGED_CORPUS: lambda: (SEQUENCE_LABELLING, stored),
    }[path]()
    split = task_of(task).path.prepare(name, 0).describe()
    return split["train"] + split["validation"] + split["test"]


tried = {path: {"accepted": 0, "refused": 0, "refused_at_training": 0} for path in PATHS}


@pytest.mark.parametrize("path", PATHS)
def test_any_bytes_give_a_stored_dataset_or_a_user_facing_error(path):
    filename = "fuzz" + SUFFIX[path]

    @FUZZ
    @given(st.binary(max_size=2000) | mutated(path))
    def parse(raw):
        try:
            stored = READERS[path](raw, filename)
        except UserFacingError as error:
            assert str(error).strip()
            tried[path]["refused"] += 1
            return
        try:
            assert prepared(path, stored) > 0
        except UserFacingError:  # readable, but too little to split: said at training time
            tried[path]["refused_at_training"] += 1
            return
        tried[path]["accepted"] += 1

    parse()
    counts = tried[path]
    assert counts["accepted"] and counts["refused"]  # both outcomes were reached
    record(f"fuzzing.{path}", {"inputs": sum(counts.values()), **counts, "other_exceptions": 0})


@FUZZ
@given(
    arrays(
        st.sampled_from([np.uint8, np.float64]),
        st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(4)),
        elements=st.integers(0, 255),
    )
    | arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 12), st.just(4))),
    st.sampled_from([(8, 8, 1.0), (28, 20, 2.0)]),
)
def test_any_canvas_gives_an_image_in_range_or_nothing(rgba, shape):
    size, ink_box, stroke_cells = shape
    image = drawing_to_image(rgba, size, ink_box, stroke_pixels=18, stroke_cells=stroke_cells)
    if image is not None:
        assert image.shape == (size, size) and np.isfinite(image).all()
        assert image.min() >= 0 and image.max() <= 1
