"""Reading a file the user named: only a regular file, and only up to a size.

A path in a setting can name anything: a FIFO (``open`` blocks until a writer comes), a
device (``/dev/zero`` never ends), a directory, a sparse file of gigabytes, a symlink to
any of those. Files are opened without blocking, checked to be regular with ``fstat`` on
the open descriptor (so nothing can be swapped in between), and read up to the limit plus
one byte. None of those inputs can hang a check or exhaust its memory; each is a
:class:`FileProblem` whose message names the path and what is there instead.
"""

from __future__ import annotations

import os
import stat

_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal device never becomes the controlling one
    | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
)


class FileProblem(Exception):
    """Why a file was not read. ``kind``: missing, not-regular, too-large or unreadable."""

    def __init__(self, kind, message):
        self.kind = kind
        self.message = message
        super().__init__(message)


def _kind_of(mode) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`FileProblem` for a missing path, anything that is not a regular file
    (after following symlinks), a file larger than ``limit`` bytes, or one that cannot be
    read.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise FileProblem("missing", f"{path} does not exist") from None
    except IsADirectoryError:
        raise FileProblem("not-regular", f"{path} is a directory, not a file") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise FileProblem("unreadable", f"{path} cannot be read ({reason})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind_of(info.st_mode)
            raise FileProblem("not-regular", f"{path} is {kind}, not a regular file")
        if info.st_size > limit:
            raise FileProblem(
                "too-large", f"{path} is {info.st_size} bytes long, more than {limit} bytes"
            )
        pieces, size = [], 0
        while size <= limit:
            piece = os.read(fd, min(65536, limit + 1 - size))
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
        if size > limit:  # it grew while being read
            raise FileProblem("too-large", f"{path} is more than {limit} bytes long")
        return b"".join(pieces)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise FileProblem("unreadable", f"{path} cannot be read ({reason})") from None
    finally:
        os.close(fd)
