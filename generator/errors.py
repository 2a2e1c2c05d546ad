"""The one error type a user sees: a message naming the file, line or parameter."""

import errno
import os
from pathlib import Path


class ExgenError(Exception):
    """Bad input or a failed build; the command line prints it and exits with status 2."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


def read_user_file(path: Path, what: str) -> str:
    """A file the user gave us, as text; a missing or non-UTF-8 file is a clear error."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ExgenError(f"{what} not found", where=str(path)) from None
    except IsADirectoryError:
        raise ExgenError(f"{what} is a folder, not a file", where=str(path)) from None
    except UnicodeDecodeError:
        raise ExgenError(f"the {what} is not UTF-8 text", where=str(path)) from None


def from_os_error(exc: OSError) -> ExgenError:
    """A failed write as the user must read it: a full disk names the disk (its mount
    point) and the file being written; any other error its reason and file."""
    name = exc.filename or ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        disk = Path(os.path.abspath(name)) if name else Path.cwd()
        while not os.path.ismount(disk) and disk != disk.parent:
            disk = disk.parent
        why = "full" if exc.errno == errno.ENOSPC else "over its quota or file size limit"
        return ExgenError(f"the disk holding {disk} is {why} (while writing {name or 'a file'}): "
                          "free some space and run the command again; the previous output "
                          "is untouched")
    return ExgenError(f"{exc.strerror or exc}" + (f": {name}" if name else ""))
