"""Errors the command line reports as one line, and the checks that raise them early."""

import os

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """A problem the user can fix; reported as one line ``pynet: error: ...``, exit status 1."""

    status = EXIT_ERROR


class UsageError(UserError):
    """Options that do not go together; reported like argparse's errors, exit status 2."""

    status = EXIT_USAGE

    def __init__(self, message, command=None):
        hint = " (see 'pynet %s--help')" % (command + " " if command else "")
        UserError.__init__(self, message + hint)


def describe(error):
    """An exception as one line of text, with the file name for ``OSError``."""
    if isinstance(error, OSError) and error.strerror:
        return "%s: %s" % (error.filename, error.strerror) if error.filename else error.strerror
    return " ".join(str(error).split()) or type(error).__name__


def check_writable(path, what):
    """Refuse, before any work is done, an output path that cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError("cannot write the %s to %s: no folder %s" % (what, path, folder))
    if os.path.isdir(path):
        raise UserError("cannot write the %s to %s: it is a folder" % (what, path))
