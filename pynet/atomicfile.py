"""Reading and writing whole files safely: the file I/O around the model file.

``replace(path, write)`` replaces ``path`` atomically: ``write(f)`` writes the new
text to ``f``, a temporary file in the same directory (UTF-8), which is flushed to disk and renamed over
``path``, so a reader (or a crash, a full disk, a kill, another process saving to the
same path) leaves ``path`` as the old complete file or the new complete file, never
part of one. Details:

- the temporary name is ``.pynet-`` and seven hex digits (14 bytes): never longer
  than a name of 14 bytes or more, so any name the file system takes can be saved to;
- an existing file keeps its permission bits (a ``0600`` model stays ``0600``); a new
  one gets ``0666`` less the umask, as ``open`` would give it;
- a symbolic link at ``path`` is followed: the file it points to is replaced (beside
  itself, atomically) and the link stays a link;
- ``path`` may be ``str``, ``bytes`` or any ``os.PathLike``.

``read_text(path)`` reads a regular file only (a FIFO, a device such as
``/dev/zero`` or a directory is refused with ``ValueError`` before any read, without
blocking), reads no more than the size the file had when opened, refuses files larger
than ``MAX_BYTES`` or a quarter of this machine's memory, and decodes UTF-8 strictly
(``ValueError`` naming the file and the byte offset otherwise).

Where ``os`` lacks ``open`` or ``fstat`` (MicroPython), both fall back to plain ``open``.
"""

import os

MAX_BYTES = 1 << 34  # 16 GiB: no model file this package writes comes near
_REGULAR = 0o100000
_FILE_TYPE = 0o170000
_CHUNK = 1 << 20


def _name(path):
    """``path`` as ``str`` or ``bytes`` (``os.fspath``), for messages and system calls."""
    fspath = getattr(os, "fspath", None)
    if fspath is not None:
        return fspath(path)
    return path


def _shown(path):
    return path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path


# -- reading ------------------------------------------------------------------------------


def _size_limit():
    try:
        from .checks import memory_bytes

        memory = memory_bytes()
    except ImportError:
        memory = None
    return MAX_BYTES if memory is None else min(MAX_BYTES, memory // 4)


def read_text(path, what="file"):
    """The whole text of the regular file at ``path``; ``ValueError`` for anything else."""
    path = _name(path)
    if not hasattr(os, "fstat") or not hasattr(os, "O_RDONLY"):
        with open(path) as f:  # MicroPython
            return f.read()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        kind = os.stat(path).st_mode & _FILE_TYPE
    except OSError:
        kind = _REGULAR  # let open() report it
    if kind != _REGULAR:
        raise ValueError("%s is not a regular file (a FIFO, device, socket or directory): "
                         "a %s must be a plain file" % (_shown(path), what))
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        if status.st_mode & _FILE_TYPE != _REGULAR:  # replaced between stat and open
            raise ValueError("%s is not a regular file: a %s must be a plain file" % (_shown(path), what))
        size = status.st_size
        limit = _size_limit()
        if size > limit:
            raise ValueError("%s is %d bytes, more than a %s may be here (%d bytes)" % (_shown(path), size, what, limit))
        data = _read_exactly(fd, size, path)
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError("%s is not a valid %s: it is not UTF-8 text (byte %d)" % (_shown(path), what, error.start))


def _read_exactly(fd, size, path):
    """``size`` bytes from ``fd``; a file that grows meanwhile is refused, one that shrinks is read as it is."""
    parts = []
    left = size
    while left > 0:
        part = os.read(fd, min(left, _CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    if os.read(fd, 1):
        raise ValueError("%s grew while it was read: another program is writing it" % _shown(path))
    return b"".join(parts)


# -- writing ------------------------------------------------------------------------------


def write_text(path, text):
    """Replace the file at ``path`` by ``text`` (UTF-8), atomically."""
    replace(path, lambda f: f.write(text))


def write_bytes(path, data):
    """Replace the file at ``path`` by the bytes ``data``, atomically."""
    replace(path, lambda f: f.write(data), binary=True)


def replace(path, write, binary=False):
    """Replace the file at ``path`` by what ``write(f)`` writes to ``f`` (a text file, or a
    binary one with ``binary=True``), atomically."""
    path = _name(path)
    if not hasattr(os, "fstat") or not hasattr(os, "O_EXCL"):
        _write_simply(path, write, binary)
        return
    target = os.path.realpath(path)  # a symbolic link is followed: its file is replaced
    mode = _existing_mode(target)
    fd, temporary = _create_temporary(os.path.dirname(target))
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as f:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            write(f)
            f.flush()
            os.fsync(fd)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
    _sync_directory(os.path.dirname(target))


def _existing_mode(target):
    try:
        status = os.stat(target)
    except OSError:
        return None
    if status.st_mode & _FILE_TYPE != _REGULAR:
        raise ValueError("%s exists and is not a regular file: a model is not saved over it" % _shown(target))
    return status.st_mode & 0o7777


def _create_temporary(directory):
    """A new file ``.pynet-XXXXXXX`` in ``directory``, created exclusively: ``(fd, path)``."""
    from .initial import random_seed

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = ".pynet-%07x" % (random_seed() & 0xFFFFFFF)
        if isinstance(directory, bytes):
            name = name.encode("ascii")
        temporary = os.path.join(directory, name) if directory else name
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise OSError("could not create a temporary file in %s" % _shown(directory or "."))


def _sync_directory(directory):
    """Make the rename itself durable (POSIX); where a directory cannot be opened, skip."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except (OSError, AttributeError):
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_simply(path, write, binary=False):
    """MicroPython: a temporary file beside ``path``, then a rename."""
    temporary = "%s.tmp" % path
    try:
        with open(temporary, "wb" if binary else "w") as f:
            write(f)
        getattr(os, "replace", os.rename)(temporary, path)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
