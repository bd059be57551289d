import numpy as np
import pytest

from core.errors import UserFacingError
from core.learn.tensors import EXAMPLES, inspect_tensor, parse_nested_list, sequence_layouts


@pytest.mark.parametrize(
    ("example", "rank", "shape", "dtype"),
    [
        ("a scalar", 0, (), "int32"),
        ("a vector", 1, (3,), "int32"),
        ("a 2x3 matrix", 2, (2, 3), "float32"),
        ("a 3x3x1 cube", 3, (3, 3, 1), "int32"),
    ],
)
def test_the_seeds_examples_as_tensorflow_sees_them(example, rank, shape, dtype):
    report = inspect_tensor(parse_nested_list(EXAMPLES[example]))
    assert (report.rank, report.shape, report.dtype) == (rank, shape, dtype)


def test_one_decimal_point_makes_the_whole_tensor_float():
    report = inspect_tensor(parse_nested_list("[1, 2.5]"))
    assert report.dtype == "float32" and report.values.tolist() == [1.0, 2.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[1, 2], [3]]", r"Ragged input: \[0\] has shape \(2,\) but \[1\] has shape \(1,\)"),
        ("[[1, 2], 3]", "Ragged input"),
        ('[[1, "a"]]', r'Entry \[0\]\[1\] is "a": every entry must be a number'),
        ("[1, true]", r"Entry \[1\] is true"),
        ("[1, 2", "Not a nested list of numbers"),
        ("print('hi')", "Not a nested list of numbers"),
        ("", "Type a number or a nested list"),
        ("[" * 5000 + "]" * 5000, "Not a nested list|nested more than"),
        ("[" + "1," * 20_000 + "1]", "limited to 20,000"),
        (
            "1" * 5000,
            "The number 111111111111... has 5,000 digits; numbers typed here have at most 18",
        ),
        ("[0." + "3" * 30 + "]", "has 31 digits"),
        ("[" + "1," * 1000 + "1]", r"shape \(1001,\) holds 1,001 values; .* at most 1,000"),
        ("[" * 9 + "1" + "]" * 9, "nested more than 8 deep"),
    ],
)
def test_bad_input_gets_a_message_that_points_at_the_problem(text, message):
    with pytest.raises(UserFacingError, match=message):
        parse_nested_list(text)


def test_unstack_and_stack_round_trip_and_transpose_regroups_by_time():
    layouts = sequence_layouts(batch=2, timesteps=3, features=4)
    assert layouts.batch_major.shape == (2, 3, 4)
    assert len(layouts.steps) == 3 and layouts.steps[1].shape == (2, 4)
    np.testing.assert_array_equal(layouts.steps[1], layouts.batch_major[:, 1, :])
    np.testing.assert_array_equal(layouts.restacked, layouts.batch_major)
    np.testing.assert_array_equal(layouts.time_major[2, 1], layouts.batch_major[1, 2])
    assert layouts.flattened.tolist()[1][:4] == layouts.batch_major[1, 0].tolist()


def test_layouts_refuse_sizes_too_large_to_draw():
    with pytest.raises(UserFacingError, match="timesteps must be between 1 and 12"):
        sequence_layouts(2, 0, 4)


def test_the_largest_integers_allowed_fit_tensorflow():
    report = inspect_tensor(parse_nested_list(f"[{'9' * 18}, -{'9' * 18}]"))
    assert report.dtype == "int64" and report.values[0] == int("9" * 18)


@pytest.mark.parametrize("sizes", [(10**9, 10**9, 10**9), (13, 1, 1), (1, 1, -4)])
def test_layouts_refuse_a_huge_or_negative_shape(sizes):
    with pytest.raises(UserFacingError, match="must be between 1 and 12 to draw"):
        sequence_layouts(*sizes)
