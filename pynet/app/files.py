"""Files written whole or not at all."""

import os


def write_atomic(path, data):
    """Write the bytes ``data`` to ``path`` through a temporary file beside it, renamed over
    ``path`` once complete: a reader (or a crash) sees the old file or the new one, never half."""
    temporary = "%s.%d.tmp" % (path, os.getpid())
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
