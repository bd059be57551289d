"""How the contest's sentences say things, shared by the verdict, the contest and the probe."""

SIGNIFICANCE_LEVEL = 0.05


def mid_sentence(title: str) -> str:
    """A model's title as it reads mid-sentence: "logistic regression", but "LSTM"."""
    first = title.split()[0]
    return title if any(letter.isupper() for letter in first[1:]) else title[0].lower() + title[1:]


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def times(ratio: float) -> str:
    """A ratio as "12x" or "3.1x"."""
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"
