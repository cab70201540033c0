"""Open only what can be read safely: regular files, bounded in size, never a FIFO or a device.

``open()`` on a FIFO waits for a writer forever, and a character device such as ``/dev/zero`` reads without end,
so every file the app reads on the user's behalf (documents, datasets, model configs, its own JSON records) goes
through :func:`check_regular` / :func:`read_bytes`. Errors are :class:`BadInputError` naming the file. Qt-free.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from app.core.errors import BadInputError

_KINDS = (
    (stat.S_ISDIR, "a folder, not a file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file: reading it could wait forever"),
    (stat.S_ISCHR, "a device, not a regular file"),
    (stat.S_ISBLK, "a block device, not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
)


def kind_problem(mode: int) -> str | None:
    """What is wrong with a file of this ``st_mode`` (None for a regular file)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def stat_problem(path: Path) -> tuple[os.stat_result | None, str | None]:
    """``(stat, None)`` for a regular file (links followed), else ``(None, why not in words)``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, "a broken symbolic link (its target is gone)" if path.is_symlink() else "not found"
    except PermissionError:
        return None, "not readable: permission denied"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "a symbolic link that loops back on itself"
        return None, f"not readable ({exc.strerror or exc})"
    problem = kind_problem(st.st_mode)
    return (None, problem) if problem else (st, None)


def check_regular(path: str | os.PathLike, what: str = "File") -> os.stat_result:
    """``os.stat`` of a regular file; a :class:`BadInputError` ("{what} {path} is a FIFO ...") otherwise."""
    path = Path(path)
    st, problem = stat_problem(path)
    if st is None:
        raise BadInputError(f"{_name(what, path)} is {problem}." if problem != "not found"
                            else f"{what or 'File'} not found: {path}.")
    return st


def read_bytes(path: str | os.PathLike, limit: int, what: str = "File", partial: bool = False) -> bytes:
    """At most ``limit`` bytes of a regular file; a clear error if it is larger (unless ``partial``: then its
    first ``limit`` bytes), unreadable or not a file.

    The file is opened non-blocking and checked again through its descriptor, so a FIFO swapped in after
    :func:`check_regular` still cannot block.
    """
    path = Path(path)
    check_regular(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except PermissionError as exc:
        raise BadInputError(f"{_name(what, path)} is not readable: permission denied. Check its permissions "
                            "(e.g. chmod u+r).") from exc
    except OSError as exc:
        raise BadInputError(f"{_name(what, path)} could not be opened: {exc.strerror or exc}.") from exc
    with os.fdopen(fd, "rb") as fh:
        problem = kind_problem(os.fstat(fd).st_mode)
        if problem:
            raise BadInputError(f"{_name(what, path)} is {problem}.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise BadInputError(f"{_name(what, path)} could not be read: {exc.strerror or exc}.") from exc
    if len(data) > limit:
        if partial:
            return data[:limit]
        raise BadInputError(f"{_name(what, path)} is larger than {_size(limit)}, the limit for this kind of file.")
    return data


def _name(what: str, path: Path) -> str:
    return f"{what} {path}" if what else str(path)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"
