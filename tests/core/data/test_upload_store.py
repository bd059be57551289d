"""The uploads folder: one file per content, whose time says when it was last uploaded."""

import os

from core.data.upload_store import (
    read_upload_record,
    store_upload_record,
    stored_uploads,
    upload_path,
)


def test_uploading_the_same_content_again_renews_its_time_and_keeps_the_file():
    store_upload_record("upload-0000000000aa", {"texts": ["first"]})
    path = upload_path("upload-0000000000aa")
    os.utime(path, (0, 0))  # uploaded long ago
    store_upload_record("upload-0000000000aa", {"texts": ["first"]})
    assert path.stat().st_mtime > 0
    assert read_upload_record("upload-0000000000aa") == {"texts": ["first"]}


def test_stored_uploads_leave_out_a_write_under_way():
    store_upload_record("upload-0000000000bb", {"texts": []})
    (upload_path("upload-0000000000bb").parent / ".partial-x1y2z3.json").write_text("{")
    assert stored_uploads() == [upload_path("upload-0000000000bb")]
