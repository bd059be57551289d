"""User text as Markdown with chosen words highlighted, every character escaped first.

Streamlit's Markdown never renders raw HTML here (no unsafe_allow_html), but Markdown itself
would still act on a user's `*`, `[`, `$` or `:red[...]`; a backslash before every ASCII
punctuation character (CommonMark allows that for all of them) makes the text literal.
"""

import re
import string

from core.models.explain import WordInfluence

PUNCTUATION = frozenset(string.punctuation)
WHITESPACE = re.compile(r"\s+")  # newlines would start Markdown blocks (lists, headings)


def escape_markdown(text: str) -> str:
    """Text that Markdown shows exactly as typed, on one line."""
    escaped = "".join(
        f"\\{character}" if character in PUNCTUATION else character for character in text
    )
    return WHITESPACE.sub(" ", escaped)


def highlighted(text: str, words: list[WordInfluence], top: int = 5) -> str:
    """Markdown of `text` with the `top` words that most support the answer on green and the
    `top` that most speak against it on red (ignoring changes under 1% of the largest)."""
    floor = 0.01 * max((abs(word.influence) for word in words), default=0.0)
    supporting = sorted((w for w in words if w.influence > floor), key=lambda w: -w.influence)
    opposing = sorted((w for w in words if w.influence < -floor), key=lambda w: w.influence)
    colour = {id(word): "green" for word in supporting[:top]}
    colour |= {id(word): "red" for word in opposing[:top]}
    pieces, position = [], 0
    for word in words:
        if id(word) not in colour:
            continue
        pieces.append(escape_markdown(text[position : word.start]))
        pieces.append(f":{colour[id(word)]}-background[{escape_markdown(word.word)}]")
        position = word.end
    pieces.append(escape_markdown(text[position:]))
    return "".join(pieces)
