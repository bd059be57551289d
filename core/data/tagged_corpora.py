"""Tagged corpora that users upload for sequence labelling: CoNLL-U, or one `word TAG` a line.

A file is CoNLL-U when its name ends in .conllu or its first non-comment line has the ten
tab-separated columns of the format; the `conllu` package reads it and the UPOS (or XPOS)
column gives the tags. Anything else is read as a word and its tag per line, sentences
separated by blank lines. Every problem is an `UploadRejected` naming the line to fix; the
text is only ever split into strings, never unpickled or evaluated. A parsed corpus is stored
as JSON beside the uploaded labelled texts (core/data/uploaded_datasets.py), named by its content.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import conllu
from conllu.exceptions import ParseException

from core.data.upload_store import read_upload_record, store_upload_record
from core.data.uploads import UploadRejected, read_text_upload
from core.errors import DatasetUnavailable, InvalidConfig

TAGGED_PREFIX = "tagged-upload-"  # not "upload-": that prefix lists labelled-text uploads
TAGGED_NAME = re.compile(re.escape(TAGGED_PREFIX) + "[0-9a-f]{12}")
TAG_FIELDS = ("upos", "xpos")

# With an 80/10/10 split, 10 sentences leave one each for validation and test.
MIN_SENTENCES = 10
# UD's longest sentences have a few hundred words; longer means the blank lines are missing.
MAX_TOKENS_PER_SENTENCE = 500
# UD has 17 UPOS tags, the Penn Treebank 45, fine-grained tagsets a few hundred at most:
# thousands of tags means the tag is being read from a column of words.
MAX_TAGS = 200
# About the UD English treebanks ten times over; a tagger on two CPU cores would take hours.
MAX_TOKENS = 2_000_000

CONLLU_COLUMNS = ("ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC")
CONLLU_COLUMN_RULES = {
    "id": "a word number (1, 2, ...), a range such as 1-2 or an empty node such as 1.1",
    "head": "the number of the head word, 0 for the root, or _",
}
CONLLU_FIELD_ERROR = re.compile(r"Failed parsing field '(\w+)': '(.*)' is not")
NEWLINE = re.compile(r"\r\n|\r|\n")  # what an editor counts, so line numbers match it
DOCSTART = "-DOCSTART-"  # CoNLL-2003's document separator line
# Kept out of the sentence: a multiword token's words follow on their own lines, and an
# empty node (elided word) is not in the text.
SKIPPED_CONLLU_IDS = {
    "-": "Multiword token lines (IDs such as 1-2) skipped, their words kept",
    ".": "Empty node lines (IDs such as 1.1) skipped",
}


@dataclass(frozen=True)
class TaggedCorpus:
    """Sentences of words, each word's tag as an index into the sorted `tag_names`."""

    name: str  # TAGGED_PREFIX + a hash of the content: the same data is one dataset
    title: str  # the uploaded file's name
    sentences: tuple[tuple[str, ...], ...]
    tags: tuple[tuple[int, ...], ...]
    tag_names: tuple[str, ...]
    format: str  # "conllu" or "word-tag"
    notes: tuple[str, ...]  # what was skipped or read in a particular way

    def to_dict(self) -> dict:
        """Plain lists and strings, for JSON."""
        return {
            "name": self.name,
            "title": self.title,
            "sentences": [list(sentence) for sentence in self.sentences],
            "tags": [list(tags) for tags in self.tags],
            "tag_names": list(self.tag_names),
            "format": self.format,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, record: dict) -> "TaggedCorpus":
        return cls(
            record["name"],
            record["title"],
            tuple(tuple(sentence) for sentence in record["sentences"]),
            tuple(tuple(tags) for tags in record["tags"]),
            tuple(record["tag_names"]),
            record["format"],
            tuple(record["notes"]),
        )


def parse_tagged_upload(raw: bytes, filename: str, tag_field: str = "upos") -> TaggedCorpus:
    """Read an uploaded tagged corpus; `tag_field` picks the CoNLL-U tag column.

    Raises UploadRejected with a message naming the line to fix.
    """
    if tag_field not in TAG_FIELDS:
        raise InvalidConfig(f"The CoNLL-U tag column must be 'upos' or 'xpos', not {tag_field!r}.")
    text = read_text_upload(raw, filename)
    notes: Counter[str] = Counter()
    if _is_conllu(text, filename):
        sentences = _conllu_sentences(text, filename, tag_field, notes)
        format_name = "conllu"
    else:
        sentences = _word_tag_sentences(text, filename, notes)
        format_name = "word-tag"
    return _corpus(list(_within_limits(sentences, filename)), filename, format_name, notes)


def save_tagged_upload(corpus: TaggedCorpus) -> str:
    """Store a parsed corpus in the uploads folder (once per content); returns its name."""
    store_upload_record(corpus.name, corpus.to_dict())
    return corpus.name


def load_tagged_upload(name: str) -> TaggedCorpus:
    """A stored corpus by name; raises DatasetUnavailable if there is none."""
    if not TAGGED_NAME.fullmatch(name):
        raise DatasetUnavailable(
            f"{name!r} is not the name of an uploaded tagged corpus ({TAGGED_PREFIX} and 12 "
            "hexadecimal digits)."
        )
    return TaggedCorpus.from_dict(read_upload_record(name))


Sentence = tuple[int, list[str], list[str]]  # (line it starts on, words, tags)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each run of non-blank lines, with the number of its first line."""
    block, start = [], 0
    for number, line in enumerate(NEWLINE.split(text), start=1):
        if not line.strip():
            if block:
                yield start, block
            block = []
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, block


def _is_conllu(text: str, filename: str) -> bool:
    if Path(filename).suffix.lower() == ".conllu":
        return True
    for _, block in _blocks(text):
        for line in filter(_is_token_line, block):
            return len(line.strip().split("\t")) == len(CONLLU_COLUMNS)
    return False


def _word_tag_sentences(text: str, filename: str, notes: Counter) -> Iterator[Sentence]:
    for start, block in _blocks(text):
        words, tags = [], []
        for number, line in enumerate(block, start=start):
            fields = line.split()
            if fields[0] == DOCSTART:
                notes[f"{DOCSTART} lines skipped"] += 1
                continue
            if len(fields) == 1:
                raise UploadRejected(
                    f"Line {number:,} of '{filename}' holds only {_shown(fields[0])}: each line "
                    "needs a word, a space or tab, and the word's tag (blank lines between "
                    "sentences)."
                )
            if len(fields) > 2:
                notes[f"Lines of {len(fields)} fields read as the word (first) and tag (last)"] += 1
            words.append(fields[0])
            tags.append(fields[-1])
        if words:
            yield start, words, tags


def _conllu_sentences(
    text: str, filename: str, tag_field: str, notes: Counter
) -> Iterator[Sentence]:
    """Sentences whose words all have a tag; rejects when most lack one."""
    sentences, untagged_lines = 0, []
    for start, block in _blocks(text):
        numbers = [start + offset for offset, line in enumerate(block) if _is_token_line(line)]
        for number in numbers:
            _check_conllu_line(block[number - start], number, filename)
        try:
            tokens = conllu.parse_token_and_metadata("\n".join(block))
        except ParseException as error:
            raise UploadRejected(_conllu_error(block, start, error, filename)) from None
        words, tags, untagged = [], [], []
        for number, token in zip(numbers, tokens, strict=True):
            tag = (token[tag_field] or "").strip()
            if isinstance(token["id"], tuple):
                notes[SKIPPED_CONLLU_IDS[token["id"][1]]] += 1
            elif tag in ("", "_"):
                untagged.append(number)
            else:
                words.append(token["form"])
                tags.append(tag)
        sentences += bool(words or untagged)
        if untagged:
            untagged_lines.append(untagged[0])
        elif words:
            yield start, words, tags
    if untagged_lines:
        reason = f"a word whose {tag_field.upper()} is _ (the first on line {untagged_lines[0]:,})"
        if len(untagged_lines) * 2 > sentences:
            other = "XPOS" if tag_field == "upos" else "UPOS"
            raise UploadRejected(
                f"{len(untagged_lines):,} of {sentences:,} sentences in '{filename}' have "
                f"{reason}. Fill in the tags, or read the {other} column instead."
            )
        notes[f"Sentences left out for {reason}"] = len(untagged_lines)


def _is_token_line(line: str) -> bool:
    return not line.strip().startswith("#")


def _check_conllu_line(line: str, number: int, filename: str) -> None:
    """The ten tab-separated columns, so that conllu (which also splits at two spaces) agrees."""
    columns = line.strip().split("\t")
    if len(columns) != len(CONLLU_COLUMNS):
        raise UploadRejected(
            f"Line {number:,} of '{filename}' has {len(columns):,} tab-separated columns; "
            f"CoNLL-U lines have {len(CONLLU_COLUMNS)} ({' '.join(CONLLU_COLUMNS)}), "
            "with _ for an empty one."
        )
    for column, value in zip(CONLLU_COLUMNS, columns, strict=True):
        if not value.strip() or "  " in value:
            problem = "is empty" if not value.strip() else "holds two spaces in a row"
            raise UploadRejected(
                f"The {column} column on line {number:,} of '{filename}' {problem}; CoNLL-U "
                "writes _ for an empty column and separates columns by single tabs."
            )


def _conllu_error(block: list[str], start: int, error: ParseException, filename: str) -> str:
    """conllu's complaint about a sentence, reworded for the line it is about."""
    number, error = next(_line_errors(block, start), (start, error))
    if match := CONLLU_FIELD_ERROR.match(str(error)):
        field, value = match.groups()
        rule = CONLLU_COLUMN_RULES.get(field, "a valid value")
        return (
            f"The {field.upper()} column on line {number:,} of '{filename}' holds "
            f"{_shown(value)}; CoNLL-U needs {rule} there."
        )
    return f"Line {number:,} of '{filename}' is not valid CoNLL-U: {error}"


def _line_errors(block: list[str], start: int) -> Iterator[tuple[int, ParseException]]:
    """(line number, error) for each line of a sentence that conllu cannot parse alone."""
    for number, line in enumerate(block, start=start):
        try:
            conllu.parse_token_and_metadata(line)
        except ParseException as error:
            yield number, error


def _within_limits(sentences: Iterator[Sentence], filename: str) -> Iterator[Sentence]:
    """The sentences, stopping at the first too long or once the corpus is too big."""
    total = 0
    for start, words, tags in sentences:
        if len(words) > MAX_TOKENS_PER_SENTENCE:
            raise UploadRejected(
                f"The sentence starting on line {start:,} of '{filename}' has {len(words):,} "
                f"words; a sentence may have at most {MAX_TOKENS_PER_SENTENCE:,}. Put a blank "
                "line after each sentence."
            )
        total += len(words)
        if total > MAX_TOKENS:
            raise UploadRejected(
                f"'{filename}' has more than {MAX_TOKENS:,} words (reached on line {start:,}); "
                "upload a sample of its sentences."
            )
        yield start, words, tags


def _corpus(
    sentences: list[Sentence], filename: str, format_name: str, notes: Counter
) -> TaggedCorpus:
    if len(sentences) < MIN_SENTENCES:
        found = f"only {len(sentences)}" if sentences else "no"
        raise UploadRejected(
            f"'{filename}' has {found} tagged sentence{'' if len(sentences) == 1 else 's'}; a "
            f"tagger needs at least {MIN_SENTENCES} to train and test. Put a blank line between "
            "sentences."
        )
    counts = Counter(tag for _, _, tags in sentences for tag in tags)
    if len(counts) == 1:
        raise UploadRejected(
            f"Every word in '{filename}' has the tag {_shown(next(iter(counts)))}; a tagger "
            "needs two or more tags. Check that the tag is the right column."
        )
    if len(counts) > MAX_TAGS:
        raise UploadRejected(
            f"'{filename}' has {len(counts):,} different tags, more than the {MAX_TAGS} of any "
            "real tagset: the tags are probably read from the wrong column (the last on "
            "each line, or UPOS/XPOS in CoNLL-U)."
        )
    tag_names = tuple(sorted(counts))
    tag_ids = {tag: index for index, tag in enumerate(tag_names)}
    words = tuple(tuple(words) for _, words, _ in sentences)
    tags = tuple(tuple(tag_ids[tag] for tag in tags) for _, _, tags in sentences)
    content = json.dumps([words, tags, tag_names], ensure_ascii=False).encode("utf-8")
    name = TAGGED_PREFIX + hashlib.sha256(content).hexdigest()[:12]
    described = tuple(f"{what}: {count:,}." for what, count in sorted(notes.items()))
    return TaggedCorpus(name, filename, words, tags, tag_names, format_name, described)


def _shown(value: str, limit: int = 40) -> str:
    """A value from the file, quoted and cut short enough for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")
