"""Fetch full canonical MNIST into a cache folder, verified, from a list of mirrors.

``download(dest_dir)`` fetches the four canonical files (``train-images-idx3-ubyte.gz``
and the rest) with ``urllib``. For each file it tries the mirrors in order; a mirror
that cannot be reached, answers with an error, times out, or sends content whose
SHA-256 *after decompression* is not the canonical one is skipped for the next. So any
mirror's gzip of the right bytes is accepted, and so is an uncompressed copy.

What one attempt may take is bounded: every connection and read by ``timeout``,
the whole attempt by ``time_limit`` seconds (a mirror that trickles is dropped), the
bytes received by the file's canonical size plus a margin for compression, and the
bytes after decompression by the canonical size (so neither a gzip bomb nor an
endless run of empty gzip members can go on).

A file is written to a temporary name in the destination folder and renamed to its
final name only after its checksum matched: an interrupted or failed download never
leaves a partial file under a final name. Files already present and valid are not
fetched again.

The mirrors are base URLs to which the file name is appended. ``DEFAULT_MIRRORS`` lists
well-known public copies, over HTTPS only; the environment variable ``PYNET_MNIST_MIRRORS`` (base URLs
separated by spaces or commas) replaces it. The default destination is
``$XDG_CACHE_HOME/pynet/mnist`` (``~/.cache/pynet/mnist`` when that is not set).
"""

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zlib

from .mnist import IDX_NAMES, default_cache_dir  # noqa: F401 (default_cache_dir: part of this module's API)

# HTTPS only: a plain http:// mirror could be altered on the way (the checksums would
# catch it, but a mirror that cannot be trusted is not worth the time it takes).
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: the most seconds one attempt at one file (one mirror) may take, however the data trickles
TIME_LIMIT = 600.0

MIRRORS_ENV = "PYNET_MNIST_MIRRORS"

#: SHA-256 of each canonical file after decompression
#: (their MD5s are the published ones: train-images 6bbc9ace898e44ae57da46a324031adb,
#: train-labels a25bea736e30d166cdddb491f175f624, t10k-images 2646ac647ad5339dbf082846283269ea,
#: t10k-labels 27ae3e4e09519cfbb04c329615203637)
CANONICAL_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: decompressed sizes, a bound on what a mirror may send
CANONICAL_SIZES = {
    "train-images-idx3-ubyte": 47040016,
    "train-labels-idx1-ubyte": 60008,
    "t10k-images-idx3-ubyte": 7840016,
    "t10k-labels-idx1-ubyte": 10008,
}

_CHUNK = 1 << 16


def received_limit(name):
    """The most bytes a mirror may send for ``name``: its size, plus room for gzip's overhead."""
    size = CANONICAL_SIZES[name]
    return size + size // 64 + 65536


class DownloadError(Exception):
    """No mirror gave a valid copy of a file; the message lists each mirror's failure."""


def mirrors_from_env(default=DEFAULT_MIRRORS):
    """The mirror list from ``PYNET_MNIST_MIRRORS`` when it is set, else ``default``."""
    value = os.environ.get(MIRRORS_ENV, "").replace(",", " ").split()
    return tuple(value) if value else tuple(default)


class _Hasher:
    """SHA-256 of a stream's content, decompressing it on the fly when it is gzipped."""

    def __init__(self, limit):
        self.sha = hashlib.sha256()
        self.size = 0
        self.limit = limit
        self.gzipped = None
        self._inflate = None

    def feed(self, chunk):
        if self.gzipped is None:
            self.gzipped = chunk[:2] == b"\x1f\x8b"
            if self.gzipped:
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not self.gzipped:
            self._add(chunk)
            return
        while chunk:
            # bounded output per call, so a tiny bomb cannot fill the memory
            self._add(self._inflate.decompress(chunk, _CHUNK))
            chunk = self._inflate.unconsumed_tail
            if self._inflate.eof:  # a further gzip member may follow
                rest = self._inflate.unused_data + chunk
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                chunk = rest

    def _add(self, data):
        self.size += len(data)
        if self.size > self.limit:
            raise ValueError("more data than the canonical file holds")
        self.sha.update(data)

    def hexdigest(self):
        return self.sha.hexdigest()


def file_sha256(path):
    """SHA-256 of a file's content, decompressed when the file is gzipped."""
    hasher = _Hasher(limit=float("inf"))
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            hasher.feed(chunk)
    return hasher.hexdigest()


def present(dest_dir, name):
    """The path of a valid copy of ``name`` (gzipped or not) in ``dest_dir``, else None."""
    for candidate in (name + ".gz", name):
        path = os.path.join(dest_dir, candidate)
        if os.path.isfile(path):
            try:
                if file_sha256(path) == CANONICAL_SHA256[name]:
                    return path
            except (OSError, ValueError, zlib.error):
                pass
    return None


def _fetch(url, dest_dir, name, timeout, report, time_limit=TIME_LIMIT):
    """Download ``url`` into a temporary file and verify it; returns the final path."""
    import time

    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".part", dir=dest_dir)
    try:
        hasher = _Hasher(limit=CANONICAL_SIZES[name])
        most, received = received_limit(name), 0
        deadline = time.monotonic() + time_limit
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                while True:
                    chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > most:
                        raise ValueError("sent more than %d bytes, more than the file can take" % most)
                    if time.monotonic() > deadline:
                        raise ValueError("took more than %g s" % time_limit)
                    hasher.feed(chunk)
                    out.write(chunk)
                    if report:
                        report(name, hasher.size)
            out.flush()
            os.fsync(out.fileno())
        if hasher.size != CANONICAL_SIZES[name] or hasher.hexdigest() != CANONICAL_SHA256[name]:
            raise ValueError("checksum mismatch (%d bytes, SHA-256 %s)" % (hasher.size, hasher.hexdigest()[:12]))
        final = os.path.join(dest_dir, name + (".gz" if hasher.gzipped else ""))
        os.replace(tmp, final)
        # A copy in the other form (gzipped or not) is not valid, or this file would not have
        # been fetched; remove it, so that readers, which may look for either, find this one.
        other = os.path.join(dest_dir, name if hasher.gzipped else name + ".gz")
        if os.path.isfile(other):
            os.unlink(other)
        return final
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _reason(error):
    if isinstance(error, urllib.error.HTTPError):
        return "HTTP %d %s" % (error.code, error.reason)
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def download(dest_dir=None, mirrors=None, timeout=30.0, names=None, report=None, time_limit=TIME_LIMIT):
    """Make ``dest_dir`` hold valid copies of canonical MNIST; returns ``{name: path}``.

    ``mirrors`` defaults to ``mirrors_from_env()``; each is a base URL ending in ``/``
    (one is added if missing). ``timeout`` bounds each connection and read in seconds,
    ``time_limit`` each attempt at one file from one mirror.
    ``names`` limits the work to some of the four files (canonical names without
    ``.gz``). ``report(name, bytes_so_far)``, if given, is called as data arrives.
    Raises ``DownloadError`` when every mirror failed for a file.
    """
    dest_dir = default_cache_dir() if dest_dir is None else os.fspath(dest_dir)
    mirrors = mirrors_from_env() if mirrors is None else tuple(mirrors)
    names = list(IDX_NAMES.values()) if names is None else list(names)
    os.makedirs(dest_dir, exist_ok=True)
    paths = {}
    for name in names:
        if name not in CANONICAL_SHA256:
            raise ValueError("%r is not a canonical MNIST file" % name)
        path = present(dest_dir, name)
        if path is not None:
            paths[name] = path
            continue
        failures = []
        for base in mirrors:
            url = base if base.endswith("/") else base + "/"
            url += name + ".gz"
            try:
                paths[name] = _fetch(url, dest_dir, name, timeout, report, time_limit)
                break
            except (OSError, ValueError, EOFError, zlib.error, http.client.HTTPException) as error:
                failures.append("%s: %s" % (url, _reason(error)))
        else:
            if not mirrors:
                raise DownloadError("no mirrors to fetch %s from" % name)
            raise DownloadError("could not fetch %s from any mirror: %s" % (name, "; ".join(failures)))
    return paths
