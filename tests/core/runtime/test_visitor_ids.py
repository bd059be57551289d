"""Visitor tokens: only the server's own verify; the key is the setting, else a kept file."""

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.errors import UserFacingError
from core.hosting import HostingSettings, hosting_settings
from core.runtime.visitor_ids import SECRET_FILE, issue, secret_key, signed, verified

SECRET = b"k" * 32


def flipped(text: str, index: int) -> str:
    """`text` with the character at `index` changed to another that is both a hex digit and a
    base64 one, so the token keeps its form."""
    swap = "b" if text[index] == "a" else "a"
    return text[:index] + swap + text[index + 1 :]


def test_a_token_gives_back_its_id_which_holds_no_signature():
    token = issue(SECRET)
    visitor = verified(token, SECRET)
    assert visitor is not None and len(visitor) == 32
    assert token.startswith(visitor + ".") and "." not in visitor


def test_every_token_is_a_new_visitor():
    assert len({verified(issue(SECRET), SECRET) for _ in range(100)}) == 100


@pytest.mark.parametrize("index", [0, 31, 33, 75])  # the id's ends, the signature's
def test_a_changed_character_is_refused(index):
    token = issue(SECRET)
    assert verified(flipped(token, index), SECRET) is None


def test_another_keys_token_is_refused():
    assert verified(issue(b"x" * 32), SECRET) is None
    visitor = verified(issue(SECRET), SECRET)
    assert verified(signed(visitor, b"x" * 32), SECRET) is None
    assert verified(signed(visitor, SECRET), SECRET) == visitor


def test_the_bare_id_is_refused():
    visitor = verified(issue(SECRET), SECRET)
    assert verified(visitor, SECRET) is None
    assert verified(visitor + ".", SECRET) is None


@pytest.mark.parametrize(
    "forged",
    [
        None,
        42,
        b"bytes",
        "",
        "garbage",
        "0" * 32 + "." + "A" * 43,
        "0" * 10_000_000,
        "é" * 76,
        "０" * 32 + "." + "A" * 43,  # fullwidth digits are not hex digits
    ],
)
def test_anything_but_a_token_is_refused(forged):
    assert verified(forged, SECRET) is None


def test_a_truncated_or_lengthened_token_is_refused():
    token = issue(SECRET)
    assert verified(token[:-1], SECRET) is None
    assert verified(token + "A", SECRET) is None
    assert verified(" " + token, SECRET) is None


def test_the_key_is_made_once_private_and_kept(tmp_path):
    key = secret_key(HostingSettings(), tmp_path)
    path = tmp_path / SECRET_FILE
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(HostingSettings(), tmp_path) == key
    assert [item.name for item in tmp_path.iterdir()] == [SECRET_FILE]  # no drafts left


def test_processes_starting_at_once_agree_on_the_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key(HostingSettings(), tmp_path), range(32)))
    assert keys == {(tmp_path / SECRET_FILE).read_bytes()}


def test_the_secret_setting_wins_over_the_file(tmp_path):
    secret_key(HostingSettings(), tmp_path)
    settings = hosting_settings({"SEQLAB_HOSTED": "1", "SEQLAB_SECRET": "from the secrets box"})
    assert secret_key(settings, tmp_path) == b"from the secrets box"
    token = issue(secret_key(settings, tmp_path))
    assert verified(token, secret_key(HostingSettings(), tmp_path)) is None


def test_a_damaged_key_file_is_refused_not_used(tmp_path):
    (tmp_path / SECRET_FILE).write_bytes(b"")
    with pytest.raises(UserFacingError, match="SEQLAB_SECRET"):
        secret_key(HostingSettings(), tmp_path)
