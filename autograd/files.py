"""Writing a file whole or not at all, and the one error every writer raises.

A reader (a browser showing the gallery, a training script loading weights) must
never see half a file, and a failed write must leave the old file in place. So a
file is written to a temporary name beside the target and renamed over it: a rename
within a folder is atomic. Drawings, reports, weights files and plots all use this.

A path that is a symbolic link is written through: the file it points to gets the new
content and the link stays a link. The temporary name is short (`_temporary_name`), so a
file name as long as the file system allows can still be written.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

Content = bytes | Callable[[IO[bytes]], None]


class SaveError(OSError):
    """A file that cannot be written: a folder in the way, no permission, a full disk.

    ``filename`` is the path asked for (never the temporary file written beside it) and
    ``errno`` and ``strerror`` the system's reason, so ``except OSError`` code reads it as
    before; the message names the function (`where`) and says what to do.
    """

    def __init__(self, where: str | None, path: Path, reason: OSError) -> None:
        super().__init__(reason.errno, reason.strerror or str(reason), str(path))
        self.where = where
        # Told once, when the write failed: the file system may change before it is shown.
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if self.errno == errno.EISDIR or path.is_dir():
            problem = "it is a folder; pass the path of a file to write"
        elif blocker is not None:
            problem = f"{blocker} is a file, not a folder; choose another folder"
        else:
            problem = f"{self.strerror}; choose a path you can write to"
        text = f"cannot write {path}: {problem}"
        self._message = f"{where}: {text}" if where else text

    def __str__(self) -> str:
        return self._message


def write_atomically(
    path: str | os.PathLike[str], content: Content, *, where: str | None = None
) -> Path:
    """Write `content` to `path` whole or not at all, making missing parent folders.

    `content` is the bytes to write, or a function that writes them to the open binary
    file it is given (``lambda f: np.savez(f, **arrays)``). Returns the path. A path that
    cannot be written raises `SaveError`, its message led by `where` (the caller's name);
    any other error from `content` propagates, and in every case the temporary file is
    removed and an old file at `path` is left as it was.
    """
    path = Path(path)
    # A link is written through: the temporary file goes beside the file it points to.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # with exist_ok, this means a file stands where a folder is needed
        raise SaveError(where, path, NotADirectoryError(errno.ENOTDIR, "Not a directory")) from None
    except OSError as error:
        raise SaveError(where, path, error) from None
    tmp = target.with_name(_temporary_name())
    try:
        # os.open with mode 0o666 lets the umask decide permissions, as for any new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as file:
                if isinstance(content, bytes):
                    file.write(content)
                else:
                    content(file)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise SaveError(where, path, error) from None
    return path


def _temporary_name() -> str:
    """A fresh hidden name for a file being written: ``.chaingrad-1a2b3c4d.tmp``.

    It does not repeat the target's name, so that a target whose name is as long as the
    file system allows (255 bytes on most) can be written beside it.
    """
    return f".chaingrad-{secrets.token_hex(4)}.tmp"
