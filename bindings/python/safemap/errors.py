"""One exception class per family of the library's status codes.

Every class derives from :class:`safemap.Error`; ``str(e)`` is the library's message, which names the file,
row, field and value of bad input. ``e.status`` is the C status code.
"""


class Error(Exception):
    """A safemap call failed. ``status`` is the C status, ``message`` the library's message."""

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class InvalidArgumentError(Error, ValueError):
    """An argument or option is wrong (SM_E_INVALID_ARG)."""
    status = 1


class InputError(Error, ValueError):
    """The input data is bad: an empty file, a missing column, a bad row with strict=True (SM_E_INPUT)."""
    status = 2


class CRSError(Error):
    """An unknown CRS, or a transformation that cannot be made (SM_E_CRS)."""
    status = 3


class FileError(Error, OSError):
    """A file cannot be opened, read or written, or exists already (SM_E_IO)."""
    status = 4


class GeometryError(Error, ValueError):
    """A wrong geometry type, or a geometry that cannot be repaired (SM_E_GEOMETRY)."""
    status = 5


class OutOfMemoryError(Error, MemoryError):
    """The library ran out of memory (SM_E_NOMEM)."""
    status = 6


class Cancelled(Error):
    """The call was cancelled: the progress callback returned False, or Ctrl-C (SM_E_CANCELLED)."""
    status = 7


class DependencyError(Error):
    """GDAL, PROJ or GEOS failed in a way not covered by the other classes (SM_E_DEPENDENCY)."""
    status = 8


class UnsupportedError(Error):
    """A format or option this build of the library does not support (SM_E_UNSUPPORTED)."""
    status = 9


class InternalError(Error):
    """A bug in safemap (SM_E_INTERNAL): please report it with the message."""
    status = 10


BY_STATUS = {c.status: c for c in (InvalidArgumentError, InputError, CRSError, FileError, GeometryError,
                                   OutOfMemoryError, Cancelled, DependencyError, UnsupportedError, InternalError)}


def for_status(status, message):
    """The exception for a C status and its message."""
    cls = BY_STATUS.get(status, Error)
    return cls(message or f"safemap error {status}", status)
