"""Visitor ids the server issues and signs, so a browser cannot claim another visitor's.

In hosted mode a visitor's id is the key to their runs and uploads, and the browser keeps it
in a cookie that anyone can set to anything. So the cookie holds a token: a random 128-bit
id, a dot, and the id's HMAC-SHA256 under a key only the server holds. A token the server did
not make (a bare id, a changed character, another key's signature) is not verified and its
bearer starts as a new visitor. Runs are stored under the bare id, never the signature.

The key is SEQLAB_SECRET when set (every replica of an app must share it), else one made
once and kept in the data folder.
"""

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

from core.errors import UserFacingError
from core.hosting import HostingSettings

# 32 hex digits of id, a dot, the 32-byte signature in unpadded urlsafe base64 (43 characters).
TOKEN = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{43})")
SECRET_FILE = "visitor-secret"
SECRET_BYTES = 32
# Signed with the id, so a signature made here means nothing to another use of the same key.
_PURPOSE = b"seqlab visitor id\n"


def _signature(visitor: str, secret: bytes) -> str:
    digest = hmac.new(secret, _PURPOSE + visitor.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed(visitor: str, secret: bytes) -> str:
    """The token of the id `visitor` (32 hex digits) under `secret`."""
    return f"{visitor}.{_signature(visitor, secret)}"


def issue(secret: bytes) -> str:
    """A new visitor's token: a random 128-bit id, signed with `secret`."""
    return signed(secrets.token_hex(16), secret)


def verified(token: object, secret: bytes) -> str | None:
    """The visitor id `token` carries when `secret` signed it; None for anything else (not a
    string, too long, not of the token's form, a signature that does not match)."""
    form = TOKEN.fullmatch(token) if isinstance(token, str) else None
    if form is None:  # the match stops within a token's length, however long `token` is
        return None
    visitor, signature = form.groups()
    expected = _signature(visitor, secret)
    return visitor if hmac.compare_digest(signature.encode(), expected.encode()) else None


def secret_key(settings: HostingSettings, data_dir: Path) -> bytes:
    """The key that signs visitor ids: the SEQLAB_SECRET setting when set, else the data
    folder's `visitor-secret` file, made on first use.

    Two app processes starting at once must agree on the key, or each would refuse the
    other's visitors: each writes a key to a file of its own, then links it into place, which
    fails if the file is already there, so the first writer's key is the one both read back.
    """
    if settings.secret:
        return settings.secret.encode("utf-8")
    path = data_dir / SECRET_FILE
    if not path.exists():
        _write_first(path, secrets.token_bytes(SECRET_BYTES))
    key = path.read_bytes()
    if len(key) < SECRET_BYTES:
        raise UserFacingError(
            f"The visitor key file {path} is damaged (shorter than {SECRET_BYTES} bytes). "
            "Delete it to make a new one (visitors then start afresh) or set SEQLAB_SECRET."
        )
    return key


def _write_first(path: Path, key: bytes) -> None:
    """Put `key` at `path`, readable by this user alone, unless a file is already there."""
    # mkstemp makes the draft 0600; a crash's leftover is swept at start like other partials.
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
    except FileExistsError:
        pass  # another process's key came first
    finally:
        os.unlink(draft)
