"""Names for downloaded files: safe on any filesystem, whatever a job's title holds.

No path separators, no ``..``, no control or invisible format characters, no leading dot
(hidden files), no Windows device name, and at most ``MAX_NAME_BYTES`` bytes of UTF-8
(suffixes such as `` (2)`` and ``.part`` still fit under the usual 255-byte limit).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from yike_tui.safety.safe_text import clean

MAX_NAME_BYTES = 120  # well under the 255-byte limit of common filesystems, suffixes included
DEFAULT_EXTENSION = ".mp4"

_RESERVED = re.compile(r'[/\\:*?"<>|]')  # path separators and what Windows refuses in names
_DOTS = re.compile(r"\.{2,}")
_SPACES = re.compile(r"\s+")
_EXT = re.compile(r"^\.[A-Za-z0-9]{1,5}$")
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def _cap_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")  # never half a character


def _sanitise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # Invisible format characters (bidi overrides, zero-width) go; other control characters
    # become visible stand-ins (safe_text), so what was there can still be seen.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = clean(text, one_line=True)
    text = _RESERVED.sub(" ", text)
    text = _DOTS.sub(".", text)
    return _SPACES.sub(" ", text).strip(" .-")


def safe_filename(title: str, job_id: str, ext: str = DEFAULT_EXTENSION) -> str:
    """A file name from a job title that is safe on any filesystem; the job id if none is left."""
    ext = ext if _EXT.match(ext) else DEFAULT_EXTENSION
    budget = MAX_NAME_BYTES - len(ext.encode())
    for candidate in (title, job_id, "yike-output"):
        stem = _cap_utf8(_sanitise(candidate), budget).strip(" .-")
        if stem:
            if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
                stem = "_" + stem
            return stem + ext
    raise AssertionError("unreachable: the last fallback is never empty")


def url_extension(url: str) -> str:
    """The file extension of ``url``'s path (``.mp4`` when it has none we would use)."""
    suffix = PurePosixPath(urlsplit(url).path).suffix
    return suffix.lower() if _EXT.match(suffix) else DEFAULT_EXTENSION
