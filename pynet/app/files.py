"""Files the application writes (pictures, plots, C headers): whole or not at all.

The core's ``pynet.atomicfile`` does the work: a temporary file beside the target, then a
rename, keeping an existing file's permissions and following a symbolic link at the target.
"""

from ..atomicfile import write_bytes, write_text


def write_atomic(path, data):
    """Write the bytes ``data`` to ``path`` atomically: a reader (or a crash) sees the old
    file or the new one, never half."""
    write_bytes(path, data)


__all__ = ["write_atomic", "write_text"]
