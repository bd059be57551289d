import codecs
import io
import pickle
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import uploads
from core.data.uploads import (
    MIN_ROWS,
    UploadedTable,
    UploadRejected,
    check_upload_size,
    labelled_texts_from,
    read_table,
    read_text_upload,
    upload_size_cap_bytes,
)


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    return "\n".join(delimiter.join(row) for row in rows).encode() + b"\n"


def labelled(counts: dict[str, int]) -> UploadedTable:
    rows = [["text", "label"]]
    rows += [[f"{label} example {i}", label] for label, n in counts.items() for i in range(n)]
    return read_table(csv_bytes(rows), "labelled.csv")


class CreatesFileWhenUnpickled:
    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


# Reading a table: the checks every upload goes through.


def test_zero_byte_file():
    with pytest.raises(UploadRejected, match=r"'data.csv' is empty \(0 bytes\)"):
        read_table(b"", "data.csv")


def test_file_of_blank_lines():
    with pytest.raises(UploadRejected, match="only blank lines or spaces"):
        read_table(b"\n  \r\n\t\n", "data.csv")


def test_header_without_rows():
    with pytest.raises(UploadRejected, match="header row but no data rows"):
        read_table(b"text,label\n\n", "data.csv")


def test_file_just_over_the_size_cap(monkeypatch):
    monkeypatch.setattr(uploads, "upload_size_cap_bytes", lambda: 100)
    raw = csv_bytes([["text", "label"]] + [["a", "b"]] * 30)[:101]
    with pytest.raises(UploadRejected, match="is 101 bytes, over the 100 bytes upload limit"):
        read_table(raw, "data.csv")
    with pytest.raises(UploadRejected, match="upload limit"):
        read_text_upload(raw, "corpus.txt")


def test_size_cap_comes_from_streamlit_config_with_its_default_as_fallback(monkeypatch, tmp_path):
    assert upload_size_cap_bytes() == 25 * 1024 * 1024
    monkeypatch.setattr(uploads, "REPO_ROOT", tmp_path)
    assert upload_size_cap_bytes() == 200 * 1024 * 1024


def test_a_file_over_the_cap_is_refused_by_its_size_alone():
    cap = upload_size_cap_bytes()
    check_upload_size("fits.csv", cap)  # the size the uploader reports, before any read
    with pytest.raises(UploadRejected, match=r"'big.csv' is 26.0 MB, over the 25.0 MB upload"):
        check_upload_size("big.csv", 26 * 1024 * 1024)


def test_hosted_mode_caps_uploads_at_its_own_size_never_above_the_servers(monkeypatch):
    server_cap = upload_size_cap_bytes()  # server.maxUploadSize: Streamlit refuses above it
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.delenv("SEQLAB_MAX_UPLOAD_MB", raising=False)
    assert uploads.upload_size_cap_megabytes() == 5  # max_upload_mb's default, below 25
    with pytest.raises(UploadRejected, match=r"'big.csv' is 6.0 MB, over the 5.0 MB upload"):
        check_upload_size("big.csv", 6 * 1024 * 1024)
    monkeypatch.setenv("SEQLAB_MAX_UPLOAD_MB", "100")
    assert upload_size_cap_bytes() == server_cap


def test_nul_bytes_mean_binary():
    with pytest.raises(UploadRejected, match="NUL bytes .* at byte offset 6"):
        read_table(b"text,l\x00abel\n", "data.csv")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"\x89HDF\r\n\x1a\n\x00\x00", "HDF5"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        ("text,label\n".encode("utf-16"), "UTF-16"),
        (b"%PDF-1.7\n", "PDF"),
    ],
)
def test_known_binary_formats_are_named(raw, kind):
    with pytest.raises(UploadRejected, match=f"looks like .*{kind}.*, not CSV text"):
        read_table(raw, "data.csv")


def test_renamed_keras_model_is_recognised_as_zip():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as model:
        model.writestr("config.json", '{"class_name": "Sequential"}')
    with pytest.raises(UploadRejected, match="looks like a ZIP archive"):
        read_table(archive.getvalue(), "model.keras")


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_is_rejected_and_never_unpickled(tmp_path, protocol):
    canary = tmp_path / "unpickled"
    payload = pickle.dumps(CreatesFileWhenUnpickled(canary), protocol=protocol)
    with pytest.raises(UploadRejected, match="looks like a Python pickle, not CSV text"):
        read_table(payload, "data.csv")
    with pytest.raises(UploadRejected, match="looks like a Python pickle, not plain text"):
        read_text_upload(payload, "corpus.txt")
    assert not canary.exists()
    pickle.loads(payload)  # the canary works: unpickling this payload does create the file
    assert canary.exists()


def test_latin1_bytes_are_reported_not_guessed():
    raw = "text,label\nnice café,pos\n".encode("latin-1")
    message = r"not UTF-8 text: byte offset 19 \(line 2, after 'nice caf'\) holds 0xE9"
    with pytest.raises(UploadRejected, match=message):
        read_table(raw, "data.csv")
    with pytest.raises(UploadRejected, match="save it again as UTF-8"):
        read_text_upload(raw, "corpus.txt")


def test_byte_order_mark_is_removed_with_a_note():
    table = read_table(codecs.BOM_UTF8 + csv_bytes([["text", "label"], ["hi", "x"]]), "bom.csv")
    assert table.frame.columns.tolist() == ["text", "label"]
    assert any("byte-order mark" in note for note in table.notes)


# Reading a table: delimiters and structure.


def test_tab_separated_file_is_detected():
    table = read_table(csv_bytes([["text", "label"], ["hello, world", "pos"]], "\t"), "a.txt")
    assert table.delimiter == "\t"
    assert table.frame.loc[0, "text"] == "hello, world"


def test_tsv_extension_settles_a_tie_for_tab():
    raw = b"a,b\tc\n1,2\t3\n"
    assert read_table(raw, "data.csv").delimiter == ","
    assert read_table(raw, "data.tsv").delimiter == "\t"


def test_semicolon_csv_with_commas_in_the_text():
    rows = [["text", "label"], ["well, fine", "pos"], ["no, never", "neg"]]
    table = read_table(csv_bytes(rows, ";"), "excel-de.csv")
    assert table.delimiter == ";"
    assert table.frame["text"].tolist() == ["well, fine", "no, never"]


def test_row_with_too_many_cells_is_named():
    raw = b"\ntext,label\ngood,pos\nbad, really bad,neg\n"
    with pytest.raises(UploadRejected, match="Row 4 of 'data.csv' has 3 comma-separated cells"):
        read_table(raw, "data.csv")


def test_unclosed_quote_is_named():
    with pytest.raises(UploadRejected, match="Row 3 .* opens a double quote that is never closed"):
        read_table(b'text,label\ngood,pos\n"bad,neg\nworse,neg\n', "data.csv")


def test_short_rows_are_padded_with_missing_cells():
    table = read_table(b"text,label\ngood\n", "data.csv")
    assert table.frame.loc[0, "text"] == "good"
    assert pd.isna(table.frame.loc[0, "label"])


def test_duplicate_column_names():
    with pytest.raises(UploadRejected, match=r"names 'text' more than once \(columns 1, 3\)"):
        read_table(b"text,label,text\na,b,c\n", "data.csv")


def test_nameless_column_with_data_is_rejected_and_an_empty_one_left_out():
    with pytest.raises(UploadRejected, match="Column 2 .* holds data but has no name"):
        read_table(b"text,,label\na,b,c\n", "data.csv")
    table = read_table(b"text,label,\na,b,\nc,d,\n", "data.csv")
    assert table.frame.columns.tolist() == ["text", "label"]
    assert "Column 3 had no name and no data; it was left out." in table.notes


def test_blank_rows_are_skipped_with_a_note():
    table = read_table(b"\n\ntext,label\na,b\n\n,\n  ,\nc,d\n", "data.csv")
    assert table.frame["text"].tolist() == ["a", "c"]
    assert "5 empty rows skipped." in table.notes


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 10)
    raw = csv_bytes([["text", "label"]] + [["a", "b"]] * 11)
    with pytest.raises(UploadRejected, match="has 11 rows; seqlab reads at most 10"):
        read_table(raw, "data.csv")


def test_a_long_table_is_refused_without_parsing_the_rest(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 10)
    monkeypatch.setattr(uploads, "PARSE_CHUNK_ROWS", 4)
    # A ragged row and an unclosed quote far past the cap: never parsed, so never reported.
    rows = [["text", "label"]] + [["a", "b"]] * 11 + [["c", "d", "e"]] * 100 + [['"f', "g"]]
    with pytest.raises(UploadRejected, match="has more than 10 rows; seqlab reads at most 10"):
        read_table(csv_bytes(rows), "long.csv")


def test_blank_rows_do_not_count_towards_the_row_cap(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 10)
    monkeypatch.setattr(uploads, "PARSE_CHUNK_ROWS", 4)
    table = read_table(b"text,label\n" + b"a,b\n\n , \n" * 10, "gappy.csv")
    assert len(table.frame) == 10 and "20 empty rows skipped." in table.notes


def test_ten_thousand_columns_get_a_message():
    header = [f"column{i}" for i in range(10_000)]
    raw = csv_bytes([header, ["1"] * 10_000])
    with pytest.raises(UploadRejected, match="has 10,000 columns; seqlab reads at most 1,000"):
        read_table(raw, "wide.csv")


def test_a_one_megabyte_cell_is_kept_whole():
    long_text = "word " * 200_000
    table = read_table(csv_bytes([["text", "label"], [long_text, "pos"]]), "long.csv")
    assert table.frame.loc[0, "text"] == long_text


def test_nan_like_cells_stay_text_and_only_empty_cells_are_missing():
    words = ["NA", "null", "None", "NaN", "nan", "#N/A", "n/a", "0"]
    table = read_table(csv_bytes([["text", "label"]] + [[word, ""] for word in words]), "na.csv")
    assert table.frame["text"].tolist() == words
    assert table.frame["label"].isna().all()


def test_formulas_are_kept_as_text_and_counted():
    rows = [["text", "label"], ["=1+1", "a"], ["@SUM(A1:A2)", "b"], ["-5", "+3.5"], ["ok", "c"]]
    table = read_table(csv_bytes(rows), "formulas.csv")
    assert table.frame.loc[0, "text"] == "=1+1"
    assert table.frame.loc[1, "text"] == "@SUM(A1:A2)"
    assert table.notes == (
        "Kept as plain text, never evaluated: 2 cells starting with '=' or '@' "
        "(spreadsheet formulas).",
    )


# Choosing the text and label columns.


def test_labelled_texts_are_returned_in_file_order():
    texts, labels, notes = labelled_texts_from(labelled({"ham": 10, "spam": 10}), "text", "label")
    assert texts[:2] == ["ham example 0", "ham example 1"]
    assert labels.count("spam") == 10
    assert notes == ()


def test_unknown_column():
    with pytest.raises(UploadRejected, match="no column 'txt'; the columns are 'text', 'label'"):
        labelled_texts_from(labelled({"a": 10, "b": 10}), "txt", "label")


def test_same_column_for_text_and_label():
    with pytest.raises(UploadRejected, match="both column 'text'; pick two different columns"):
        labelled_texts_from(labelled({"a": 10, "b": 10}), "text", "text")


def test_rows_with_empty_cells_are_dropped_with_a_note():
    rows = [["text", "label"]] + [[f"text {i}", "ab"[i % 2]] for i in range(24)]
    rows += [["", "a"], ["   ", "b"], ["orphan", ""], ["orphan", "  "]]
    table = read_table(csv_bytes(rows), "data.csv")
    texts, labels, notes = labelled_texts_from(table, "text", "label")
    assert len(texts) == len(labels) == 24
    assert notes == (
        "4 rows left out because a cell was empty (2 without a 'text', 2 without a 'label').",
    )


def test_mostly_empty_cells_mean_the_wrong_column():
    rows = [["text", "label", "comment"]] + [[f"t{i}", "ab"[i % 2], ""] for i in range(30)]
    rows[1][2] = "only this one"
    table = read_table(csv_bytes(rows), "data.csv")
    with pytest.raises(UploadRejected, match="29 of 30 rows have an empty 'text' or 'comment'"):
        labelled_texts_from(table, "text", "comment")


def test_labels_lose_surrounding_spaces():
    rows = [["text", "label"]] + [[f"t{i}", [" spam", "spam ", "ham"][i % 3]] for i in range(30)]
    texts, labels, notes = labelled_texts_from(
        read_table(csv_bytes(rows), "d.csv"), "text", "label"
    )
    assert set(labels) == {"spam", "ham"}
    assert notes == ("20 labels had spaces around them, now removed.",)


def test_too_few_rows():
    with pytest.raises(
        UploadRejected, match=f"19 with both a text and a label, fewer than the {MIN_ROWS}"
    ):
        labelled_texts_from(labelled({"a": 10, "b": 9}), "text", "label")


def test_single_class():
    with pytest.raises(UploadRejected, match="Only one label, 'spam', .* two or more"):
        labelled_texts_from(labelled({"spam": 25}), "text", "label")


def test_classes_too_small_to_split_are_named_with_counts():
    table = labelled({"ham": 20, "spam": 20, "eggs": 2, "bacon": 1})
    with pytest.raises(UploadRejected, match=r"fewer than 3 examples: 'bacon' \(1\), 'eggs' \(2\)"):
        labelled_texts_from(table, "text", "label")


def test_free_text_label_column():
    with pytest.raises(UploadRejected, match="40 different values in 40 rows.*free text"):
        labelled_texts_from(labelled({"a": 20, "b": 20}), "label", "text")


# Plain-text corpora.


def test_text_upload_is_decoded_without_its_byte_order_mark():
    assert read_text_upload(codecs.BOM_UTF8 + "Once upon a time…".encode(), "a.txt") == (
        "Once upon a time…"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b" \n\t ... !!! ---\n", "no words"),
        (b"story\x00", "NUL bytes"),
        (b"PK\x05\x06" + bytes(18), "ZIP archive"),
        (b"na\xefve", r"byte offset 2 \(line 1, after 'na'\) holds 0xEF"),
    ],
)
def test_bad_text_uploads(raw, message):
    with pytest.raises(UploadRejected, match=message):
        read_text_upload(raw, "corpus.txt")


# Fuzzing: whatever is uploaded, the only exception is UploadRejected.


def assert_cells_are_text_or_missing(table: UploadedTable) -> None:
    for value in table.frame.to_numpy().ravel():
        assert isinstance(value, str) or pd.isna(value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_table_or_a_rejection(raw):
    try:
        assert_cells_are_text_or_missing(read_table(raw, "fuzz.csv"))
    except UploadRejected:
        pass
    try:
        assert isinstance(read_text_upload(raw, "fuzz.txt"), str)
    except UploadRejected:
        pass


tricky_characters = st.sampled_from(list(",;\t|\"'\n\r =+-@\ufeff\u2028é中🙂"))
cells = st.sampled_from(["great film", "NA", "=1+1", "dull"]) | st.text(
    st.one_of(tricky_characters, st.characters(codec="utf-8", exclude_characters="\x00")),
    max_size=12,
)
labels = st.sampled_from(["pos", "neg", " neg", "", "other"])


@st.composite
def csv_like_uploads(draw) -> bytes:
    """A header, a few random rows and many text/label rows, written the way some CSV tool might."""
    header = draw(st.sampled_from([["text", "label"], ["id", "label", "text"]]) | st.lists(cells))
    rows = [header] + draw(st.lists(st.lists(cells, max_size=5), max_size=3))
    size = draw(st.integers(0, 40))
    rows += draw(st.lists(st.tuples(cells, labels).map(list), min_size=size, max_size=size))
    delimiter = draw(st.sampled_from(list(uploads.DELIMITER_NAMES)))
    quote = draw(st.booleans())
    lines = [
        delimiter.join('"' + cell.replace('"', '""') + '"' if quote else cell for cell in row)
        for row in rows
    ]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    return (codecs.BOM_UTF8 if draw(st.booleans()) else b"") + text.encode()


@settings(max_examples=200, deadline=None)
@given(csv_like_uploads(), st.sampled_from(["fuzz.csv", "fuzz.tsv"]))
def test_csv_like_text_gives_labelled_texts_or_a_rejection(raw, filename):
    try:
        table = read_table(raw, filename)
        assert_cells_are_text_or_missing(table)
        columns = [*table.frame.columns, "missing"]
        texts, labels, notes = labelled_texts_from(table, columns[0], columns[1])
    except UploadRejected:
        return
    assert len(texts) == len(labels) >= MIN_ROWS
    assert all(isinstance(text, str) and text.strip() for text in texts)
    assert all(isinstance(label, str) and label == label.strip() != "" for label in labels)
