"""Reading what users upload: tables of labelled texts (CSV/TSV) and plain-text corpora.

Every problem becomes an `UploadRejected` whose message says what is wrong and how to fix it.
Uploads are only ever decoded as UTF-8 text and parsed by pandas as strings: nothing a user
supplies is unpickled, evaluated or converted to numbers.
"""

import codecs
import csv
import io
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pandas as pd

from core.data.splits import MIN_EXAMPLES_PER_CLASS  # one of each class per part of the split
from core.errors import UserFacingError
from core.hosting import hosting_settings
from core.paths import REPO_ROOT

MEGABYTE = 1024 * 1024  # Streamlit's maxUploadSize counts in these
STREAMLIT_DEFAULT_UPLOAD_MEGABYTES = 200

# Enough for any text-classification set the baselines and RNNs can train on this machine in a
# session; larger files would also sit in every visitor's session memory.
MAX_ROWS = 200_000
# Rows parsed at a time: a table is refused within one chunk of passing the row cap, so a file
# of millions of tiny rows costs no more to refuse than a short one.
PARSE_CHUNK_ROWS = 10_000
# With a 20% test part, 20 rows leave 4 test examples: below that an accuracy means nothing.
MIN_ROWS = 20
# A labelled-text table needs a handful; thousands means the delimiter or the file is wrong,
# and a very wide table would make parsing and the column chooser crawl.
MAX_COLUMNS = 1_000
# More distinct labels than this (or than half the rows) means a text column was picked.
MAX_LABELS = 100

DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SNIFF_CHARS = MEGABYTE
SNIFF_RECORDS = 20
FORMULA_STARTS = "=+-@"
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")
LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))+")

# Prefixes of files people upload by mistake; all are rejected before any decoding.
MAGIC_NUMBERS = {
    (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"): "a ZIP archive (as are .xlsx and .keras files)",
    (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"): "a Python pickle",
    (b"\x89HDF\r\n\x1a\n",): "an HDF5 file (such as a Keras .h5 model)",
    (b"\x93NUMPY",): "a NumPy .npy array",
    (b"\x1f\x8b",): "a gzip-compressed file",
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",): "an old Excel .xls (or other Office) file",
    (b"SQLite format 3\x00",): "an SQLite database",
    (b"%PDF-",): "a PDF document",
    (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"): "an image",
    (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE): "UTF-16 text (Excel's 'Unicode Text')",
}


class UploadRejected(UserFacingError):
    """An upload cannot be used; the message names the problem and how to fix the file."""


@dataclass(frozen=True)
class UploadedTable:
    """A parsed table: every cell a str, NaN where a cell is empty; the first row named columns."""

    filename: str
    encoding: str
    delimiter: str
    frame: pd.DataFrame
    notes: tuple[str, ...]  # what the user should know that did not stop the upload


def upload_size_cap_bytes() -> int:
    """The largest upload accepted: `server.maxUploadSize` in .streamlit/config.toml, or in
    hosted mode its own cap (core/hosting.py), never above the server's, which refuses larger
    requests outright.

    The upload box shows this cap and refuses bigger files in the browser; a request sent
    around it is refused here by its size before it is read (`check_upload_size`), as is the
    CLI's `--file`.
    """
    try:
        with open(REPO_ROOT / ".streamlit" / "config.toml", "rb") as config_file:
            config = tomllib.load(config_file)
    except (OSError, tomllib.TOMLDecodeError):
        config = {}
    megabytes = config.get("server", {}).get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MEGABYTES)
    hosting = hosting_settings()
    if hosting.hosted:
        megabytes = min(megabytes, hosting.max_upload_mb)
    return int(megabytes * MEGABYTE)


def upload_size_cap_megabytes() -> int:
    """The cap in whole megabytes (at least 1), as Streamlit's file uploader takes it."""
    return max(1, upload_size_cap_bytes() // MEGABYTE)


def check_upload_size(filename: str, num_bytes: int) -> None:
    """Refuse a file of `num_bytes` over the cap, before anything reads or parses it."""
    if num_bytes > upload_size_cap_bytes():
        raise UploadRejected(over_the_cap_message(filename, num_bytes))


def max_rows() -> int:
    """The most rows an uploaded table may have: MAX_ROWS, or the lower hosted-mode cap."""
    hosting = hosting_settings()
    return min(MAX_ROWS, hosting.max_rows) if hosting.hosted else MAX_ROWS


def read_table(raw: bytes, filename: str) -> UploadedTable:
    """Parse an uploaded CSV/TSV whose first row names the columns.

    Rows with more cells than the header are rejected (naming the row) rather than dropped;
    rows with fewer are padded with missing cells, which `labelled_texts_from` reports. Parsing
    stops once the table has more rows than `max_rows()`.
    """
    text, notes = _decode(raw, filename, expected="CSV text")
    if not text.strip():
        raise UploadRejected(f"'{filename}' holds only blank lines or spaces; there is no table.")
    # pandas would take a blank first line for a header of no columns.
    blank_lines = LEADING_BLANK_LINES.match(text)
    skipped = len(blank_lines.group().splitlines()) if blank_lines else 0
    text = text[blank_lines.end() :] if blank_lines else text
    delimiter = _sniff_delimiter(text[:SNIFF_CHARS], filename)
    _check_column_count(text[:SNIFF_CHARS], delimiter, filename)
    cells, empty_rows = _rows_with_data(text, delimiter, filename, row_offset=skipped)
    if skipped + empty_rows:
        notes.append(f"{_counted(skipped + empty_rows, 'empty row')} skipped.")
    frame, header_notes = _apply_header(cells, filename)
    notes.extend(header_notes + _formula_notes(frame))
    return UploadedTable(filename, "utf-8", delimiter, frame, tuple(notes))


def labelled_texts_from(
    table: UploadedTable, text_column: str, label_column: str
) -> tuple[list[str], list[str], tuple[str, ...]]:
    """The texts and labels of the chosen columns, with notes on the rows that were dropped.

    Texts are kept exactly; labels lose surrounding spaces so that ' spam' and 'spam' are one
    class. Rows with an empty text or label are dropped, unless that is most of them.
    """
    for column in (text_column, label_column):
        if column not in table.frame.columns:
            known = ", ".join(f"'{name}'" for name in table.frame.columns)
            raise UploadRejected(f"There is no column '{column}'; the columns are {known}.")
    if text_column == label_column:
        raise UploadRejected(
            f"The text and the label are both column '{text_column}'; pick two different columns."
        )
    texts, given_labels = table.frame[text_column], table.frame[label_column]
    labels = given_labels.str.strip()
    has_text = texts.str.strip().fillna("").ne("")
    has_label = labels.fillna("").ne("")
    notes = missing_cell_notes(has_text, has_label, text_column, label_column)
    keep = has_text & has_label
    padded = int((given_labels[keep] != labels[keep]).sum())
    if padded:
        notes.append(f"{_counted(padded, 'label')} had spaces around them, now removed.")
    texts, labels = texts[keep].tolist(), labels[keep].tolist()
    _check_labels(labels, label_column)
    return texts, labels, tuple(notes)


def read_text_upload(raw: bytes, filename: str) -> str:
    """Decode an uploaded .txt corpus (UTF-8, byte-order mark removed)."""
    text, _ = _decode(raw, filename, expected="plain text")
    if not re.search(r"[^\W_]", text):
        raise UploadRejected(
            f"'{filename}' has no words in it, only spaces or punctuation; "
            "upload the text you want to model."
        )
    return text


def _decode(raw: bytes, filename: str, expected: str) -> tuple[str, list[str]]:
    """The upload as text after the checks every upload needs: empty, size, binary, encoding."""
    if not raw:
        raise UploadRejected(f"'{filename}' is empty (0 bytes); choose the file with your data.")
    check_upload_size(filename, len(raw))
    _check_not_binary(raw, filename, expected)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRejected(_encoding_message(raw, error, filename)) from None
    bom = raw.startswith(codecs.BOM_UTF8)
    return text, ["A UTF-8 byte-order mark at the start of the file was removed."] if bom else []


def over_the_cap_message(filename: str, num_bytes: int) -> str:
    """Why a file of `num_bytes` is refused; sizes in bytes where megabytes would look equal."""
    cap = upload_size_cap_bytes()
    size, limit = _size(num_bytes), _size(cap)
    if size == limit:  # "25.0 MB, over the 25.0 MB limit" would read as a contradiction
        size, limit = f"{num_bytes:,} bytes", f"{cap:,}-byte"
    return f"'{filename}' is {size}, over the {limit} upload limit; upload a sample of it instead."


def _check_not_binary(raw: bytes, filename: str, expected: str) -> None:
    for prefixes, kind in MAGIC_NUMBERS.items():
        if raw.startswith(prefixes):
            raise UploadRejected(
                f"'{filename}' looks like {kind}, not {expected}. Save the data as UTF-8 "
                "text (in Excel: 'CSV UTF-8') and upload that file."
            )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UploadRejected(
            f"'{filename}' contains NUL bytes (the first at byte offset {nul:,}), so it is binary "
            f"data or UTF-16, not {expected}. Save it as UTF-8 text and upload that file."
        )


def _encoding_message(raw: bytes, error: UnicodeDecodeError, filename: str) -> str:
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    before = raw[max(line_start, error.start - 30) : error.start].decode("utf-8", "replace")
    offending = " ".join(f"0x{byte:02X}" for byte in raw[error.start : error.end])
    line = raw.count(b"\n", 0, error.start) + 1
    return (
        f"'{filename}' is not UTF-8 text: byte offset {error.start:,} (line {line:,}, "
        f"after '{before}') holds {offending}. "
        "It was probably saved in another encoding such as Windows-1252; save it again as "
        "UTF-8 (in Excel: 'CSV UTF-8') and upload that."
    )


def _counted(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _size(num_bytes: int) -> str:
    return f"{num_bytes / MEGABYTE:.1f} MB" if num_bytes >= MEGABYTE else f"{num_bytes:,} bytes"


def _first_records(sample: str, delimiter: str) -> list[list[str]]:
    """The first non-empty records of `sample` split on `delimiter`; none if csv cannot."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        return list(islice((record for record in reader if record), SNIFF_RECORDS))
    except csv.Error:
        return []


def _sniff_delimiter(sample: str, filename: str) -> str:
    """The delimiter that splits the header into most columns and the rows alike.

    Counting beats csv.Sniffer here: it is predictable and stays fast on very wide rows.
    """
    scores = {}
    for delimiter in DELIMITER_NAMES:
        records = _first_records(sample, delimiter)
        if records and len(records[0]) > 1:
            agreeing = sum(len(record) == len(records[0]) for record in records) / len(records)
            scores[delimiter] = (agreeing, len(records[0]))
    if Path(filename).suffix.lower() in (".tsv", ".tab") and "\t" in scores:
        return "\t"
    return max(scores, key=scores.__getitem__, default=",")


def _check_column_count(sample: str, delimiter: str, filename: str) -> None:
    """Reject very wide files from the header alone, before pandas spends time on them."""
    records = _first_records(sample, delimiter)
    if records and len(records[0]) > MAX_COLUMNS:
        raise UploadRejected(
            f"'{filename}' has {len(records[0]):,} columns; seqlab reads at most "
            f"{MAX_COLUMNS:,}. Keep only the columns you need (a text and a label)."
        )


def _rows_with_data(
    text: str, delimiter: str, filename: str, row_offset: int
) -> tuple[pd.DataFrame, int]:
    """The rows of `text` with a non-blank cell, as strings, header first, and how many rows
    were blank. Parsed a chunk at a time, and refused as soon as the rows pass `max_rows()`."""
    chunks, blank_rows, limit = [], 0, max_rows()
    try:
        with pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,  # "NA", "null" and "None" are text, not missing
            na_values=[""],
            skip_blank_lines=False,  # so pandas' row numbers match a spreadsheet's
            engine="c",
            on_bad_lines="error",
            chunksize=PARSE_CHUNK_ROWS,
        ) as reader:
            for chunk in reader:
                blank = chunk.apply(lambda column: column.str.strip().fillna("").eq("")).all(axis=1)
                chunks.append(chunk[~blank])
                blank_rows += int(blank.sum())
                data_rows = sum(map(len, chunks)) - 1  # the first row is the header
                if data_rows > limit:
                    file_ended = len(chunk) < PARSE_CHUNK_ROWS  # so every row was counted
                    raise UploadRejected(_too_many_rows_message(filename, data_rows, file_ended))
    except pd.errors.ParserError as error:
        raise UploadRejected(_parser_message(str(error), delimiter, filename, row_offset)) from None
    return pd.concat(chunks, ignore_index=True), blank_rows


def _parser_message(error: str, delimiter: str, filename: str, row_offset: int) -> str:
    name = DELIMITER_NAMES[delimiter]
    if ragged := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error):
        expected, row, seen = (int(number) for number in ragged.groups())
        return (
            f"Row {row + row_offset:,} of '{filename}' has {seen} {name}-separated cells but "
            f"the header has {expected}. Put any text that contains a {name} in double quotes."
        )
    if unclosed := re.search(r"EOF inside string starting at row (\d+)", error):
        row = int(unclosed.group(1)) + 1 + row_offset
        return (
            f"Row {row:,} of '{filename}' opens a double quote that is never closed. Write a "
            'quote inside a quoted cell as two ("") and close every quoted cell.'
        )
    return f"'{filename}' could not be read as {name}-separated text: {error.strip()}"


def _apply_header(cells: pd.DataFrame, filename: str) -> tuple[pd.DataFrame, list[str]]:
    """Name the columns after the first row; nameless columns are dropped only if empty."""
    if len(cells) < 2:
        raise UploadRejected(
            f"'{filename}' has a header row but no data rows; the first row must name the "
            "columns and each following row holds one example."
        )
    names = cells.iloc[0].fillna("").str.strip().tolist()
    repeated = [name for name, count in Counter(names).items() if name and count > 1]
    if repeated:
        positions = [str(i + 1) for i, name in enumerate(names) if name == repeated[0]]
        raise UploadRejected(
            f"The header of '{filename}' names '{repeated[0]}' more than once (columns "
            f"{', '.join(positions)}); give every column its own name."
        )
    frame = cells.iloc[1:].reset_index(drop=True)
    notes = []
    for position, name in enumerate(names):
        if name:
            continue
        if frame[position].notna().any():
            raise UploadRejected(
                f"Column {position + 1} of '{filename}' holds data but has no name in the header "
                "row; the first row must name every column."
            )
        frame = frame.drop(columns=position)
        notes.append(f"Column {position + 1} had no name and no data; it was left out.")
    frame.columns = [name for name in names if name]
    return frame, notes


def _too_many_rows_message(filename: str, rows_read: int, file_ended: bool) -> str:
    """Why a table is too long: its count of rows when the whole file was read, else only that
    it passed the cap (the rest is never parsed)."""
    limit = max_rows()
    counted = f"{rows_read:,}" if file_ended else f"more than {limit:,}"
    return (
        f"'{filename}' has {counted} rows; seqlab reads at most {limit:,}"
        f"{' on this shared server' if limit < MAX_ROWS else ''}. "
        "Upload a random sample of the rows."
    )


def _formula_notes(frame: pd.DataFrame) -> list[str]:
    starts = Counter()
    for column in frame.columns:
        cells = frame[column].dropna()
        formulas = cells[cells.str[:1].isin(list(FORMULA_STARTS)) & ~cells.str.fullmatch(NUMBER)]
        starts.update(formulas.str[0])
    if not starts:
        return []
    characters = " or ".join(f"'{start}'" for start in sorted(starts))
    return [
        f"Kept as plain text, never evaluated: {_counted(starts.total(), 'cell')} starting with "
        f"{characters} (spreadsheet formulas)."
    ]


def missing_cell_notes(
    has_first: pd.Series, has_second: pd.Series, first_column: str, second_column: str
) -> list[str]:
    """Notes on rows with an empty cell in either of two columns (a text and its label, a
    message and its reply); rejects when those are most of the rows."""
    dropped = int((~(has_first & has_second)).sum())
    if not dropped:
        return []
    reasons = (
        f"{(~has_first).sum():,} without a '{first_column}', "
        f"{(~has_second).sum():,} without a '{second_column}'"
    )
    if dropped * 2 > len(has_first):
        raise UploadRejected(
            f"{dropped:,} of {len(has_first):,} rows have an empty '{first_column}' or "
            f"'{second_column}' cell ({reasons}); check that these are the right columns."
        )
    return [f"{_counted(dropped, 'row')} left out because a cell was empty ({reasons})."]


def _check_labels(labels: list[str], label_column: str) -> None:
    """Enough rows, classes and examples per class for a stratified train/validation/test split."""
    if len(labels) < MIN_ROWS:
        raise UploadRejected(
            f"Too few usable rows: {len(labels)} with both a text and a label, fewer than the "
            f"{MIN_ROWS} needed to train and test a model."
        )
    counts = Counter(labels)
    if len(counts) == 1:
        raise UploadRejected(
            f"Only one label, '{labels[0]}', appears in '{label_column}': a classifier needs "
            "two or more."
        )
    if len(counts) > MAX_LABELS or len(counts) * 2 > len(labels):
        raise UploadRejected(
            f"'{label_column}' has {len(counts):,} different values in {len(labels):,} rows, "
            "so it looks like free text; did you pick the right label column?"
        )
    rare = sorted(
        ((label, count) for label, count in counts.items() if count < MIN_EXAMPLES_PER_CLASS),
        key=lambda item: (item[1], item[0]),
    )
    if rare:
        listed = ", ".join(f"'{label}' ({count})" for label, count in rare[:10])
        more = f" and {len(rare) - 10} more" if len(rare) > 10 else ""
        raise UploadRejected(
            f"These labels have fewer than {MIN_EXAMPLES_PER_CLASS} examples: {listed}{more}. "
            "Each class needs one in each of the train, validation and test parts; add "
            "examples or remove those rows."
        )
