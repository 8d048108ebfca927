"""safe_read.read_regular: a small regular file's bytes, nothing else, never blocking."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from yike_tui.safety.safe_read import NotReadable, read_regular


def test_a_regular_file_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a\x00\xffz" * 1000)
    assert read_regular(path) == b"a\x00\xffz" * 1000
    assert read_regular(tmp_path / "missing") is None


def test_the_limit_is_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_regular(path, limit=10) == b"x" * 10
    with pytest.raises(NotReadable, match="it is 10 bytes; the most read is 9"):
        read_regular(path, limit=9)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("secret")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(NotReadable, match="symbolic link"):
        read_regular(tmp_path / "link")


def test_a_fifo_without_a_writer_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotReadable, match=r"FIFO \(named pipe\)"):
        read_regular(tmp_path / "fifo")  # a plain open() would wait here for a writer


def test_devices_sockets_and_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotReadable, match="character device"):
        read_regular("/dev/zero")
    with pytest.raises(NotReadable, match="directory"):
        read_regular(tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s"))
        with pytest.raises(NotReadable, match="not a regular file"):
            read_regular(tmp_path / "s")
    finally:
        sock.close()


def test_a_file_growing_while_read_is_cut_at_the_limit(tmp_path: Path) -> None:
    # /proc files say size 0 and then give more: the read itself is bounded too.
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc")
    with pytest.raises(NotReadable, match="grew past 16 bytes"):
        read_regular(status, limit=16)
