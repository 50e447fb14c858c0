"""``python -m pynet``: the same command line as the ``pynet`` console script."""

import sys

from .app.cli import main

if __name__ == "__main__":
    sys.exit(main())
