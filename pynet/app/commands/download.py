"""``pynet download``: fetch full canonical MNIST into a cache folder, verified."""

from .. import download as fetch
from ..errors import EXIT_OK, UserError, describe
from ..options import positive_float


def add_parser(commands):
    download = commands.add_parser("download", help="fetch full canonical MNIST into a cache folder",
                                   description="Fetch the four canonical MNIST files, verifying each by "
                                               "SHA-256, trying the mirrors in order.")
    download.add_argument("dir", nargs="?", default=None, metavar="DIR",
                          help="destination folder (default: $XDG_CACHE_HOME/pynet/mnist)")
    download.add_argument("--mirror", action="append", metavar="URL",
                          help="base URL of a mirror; repeat for several (default: $PYNET_MNIST_MIRRORS "
                               "or a built-in list)")
    download.add_argument("--timeout", type=positive_float, default=30.0, metavar="SECONDS",
                          help="network timeout per connection and read (default 30)")
    return download


def run(args, out, err):
    dest = args.dir or fetch.default_cache_dir()
    tty = err.isatty() if hasattr(err, "isatty") else False
    shown = {}

    def report(name, size):
        if tty and size - shown.get(name, 0) >= (1 << 20):
            shown[name] = size
            err.write("\r%s: %.1f MB" % (name, size / 1e6))
            err.flush()

    try:
        paths = fetch.download(dest, mirrors=args.mirror, timeout=args.timeout, report=report)
    except (fetch.DownloadError, OSError) as error:
        raise UserError(describe(error))
    finally:
        if shown:
            err.write("\n")
    for name in sorted(paths):
        out.write("%s\n" % paths[name])
    out.write("MNIST is ready in %s; train on it with: pynet train --data %s\n"
              % (dest, "downloaded" if args.dir is None else dest))
    return EXIT_OK
