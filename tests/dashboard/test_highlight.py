from core.models.explain import WordInfluence
from dashboard.highlight import escape_markdown, highlighted


def test_markdown_and_directives_in_user_text_are_escaped():
    assert escape_markdown("**bold** [a](b) :red[x] $y$ <b>") == (
        "\\*\\*bold\\*\\* \\[a\\]\\(b\\) \\:red\\[x\\] \\$y\\$ \\<b\\>"
    )
    assert escape_markdown("line one\n# heading\n- item") == "line one \\# heading \\- item"


def test_strongest_words_are_highlighted_and_spaces_kept():
    words = [
        WordInfluence(0, 5, "great", 2.0),
        WordInfluence(6, 11, "movie", 0.001),
        WordInfluence(12, 16, "dull", -1.0),
    ]
    assert highlighted("great movie dull!", words) == (
        ":green-background[great] movie :red-background[dull]\\!"
    )
