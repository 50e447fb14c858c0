"""``pynet download`` against real HTTP servers on 127.0.0.1 serving copies of canonical MNIST."""

import functools
import gzip
import os
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import MNIST_DIR_ENV, full_mnist_dir
from pynet.app import download, mnist

# The files served: full canonical MNIST from PYNET_MNIST_DIR when it is set, else the
# bundled subset (the same canonical names and format), whose checksums then stand in
# for the canonical ones, so that the same code paths run in a bare clone.
FULL = bool(os.environ.get(MNIST_DIR_ENV))
MNIST_DIR = full_mnist_dir() if FULL else Path(mnist.BUNDLED_DIR)
COUNTS = (60000, 10000) if FULL else (mnist.BUNDLED_COUNTS["train"], mnist.BUNDLED_COUNTS["test"])
NAMES = sorted(mnist.IDX_NAMES.values())
LABELS = ["t10k-labels-idx1-ubyte"]
TIMEOUT = 5.0


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) serving ``root`` in a thread."""

    def __init__(self, root):
        handler = functools.partial(_Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, folder):
        return "http://127.0.0.1:%d/%s/" % (self.httpd.server_address[1], folder)

    @property
    def requests(self):
        return self.httpd.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Folders ``good`` (the canonical files), ``corrupt`` (a changed byte, re-gzipped, and
    a truncated gzip), ``plain`` (uncompressed copies) and ``missing`` (empty)."""
    root = tmp_path_factory.mktemp("site")
    good = root / "good"
    good.mkdir()
    for name in NAMES:
        shutil.copy(str(MNIST_DIR / (name + ".gz")), str(good / (name + ".gz")))
    corrupt = root / "corrupt"
    corrupt.mkdir()
    for name in NAMES:
        data = bytearray(gzip.decompress((good / (name + ".gz")).read_bytes()))
        data[len(data) // 2] ^= 0x01
        (corrupt / (name + ".gz")).write_bytes(gzip.compress(bytes(data), 1))
    truncated = root / "truncated"
    truncated.mkdir()
    for name in NAMES:
        packed = (good / (name + ".gz")).read_bytes()
        (truncated / (name + ".gz")).write_bytes(packed[:len(packed) // 2])
    plain = root / "plain"
    plain.mkdir()
    labels = gzip.decompress((good / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (plain / "t10k-labels-idx1-ubyte.gz").write_bytes(labels)  # served uncompressed under the .gz name
    (root / "missing").mkdir()
    server = _Server(root)
    yield server
    server.close()


@pytest.fixture(autouse=True)
def served_checksums(monkeypatch):
    """Without full MNIST, the bundled files' sizes and checksums are the ones to verify."""
    if FULL:
        return
    sizes, digests = {}, {}
    for name in NAMES:
        data = gzip.decompress((MNIST_DIR / (name + ".gz")).read_bytes())
        sizes[name] = len(data)
        digests[name] = mnist.BUNDLED_SHA256[name]
    monkeypatch.setattr(download, "CANONICAL_SIZES", sizes)
    monkeypatch.setattr(download, "CANONICAL_SHA256", digests)


@pytest.fixture
def dead_url():
    """A URL on 127.0.0.1 at a port that was just closed: connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/mnist/" % port


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith(".") or name.endswith(".part"))


def test_downloads_all_four_files_verified(site, tmp_path):
    dest = tmp_path / "cache"
    paths = download.download(dest, mirrors=[site.url("good")], timeout=TIMEOUT)
    assert sorted(paths) == NAMES
    for name in NAMES:
        assert paths[name] == str(dest / (name + ".gz"))
        assert (dest / (name + ".gz")).read_bytes() == (MNIST_DIR / (name + ".gz")).read_bytes()
    assert leftovers(dest) == []
    train, test = mnist.load(dest)
    assert (len(train), len(test)) == COUNTS


def test_dead_mirror_then_good_mirror(site, tmp_path, dead_url):
    paths = download.download(tmp_path, mirrors=[dead_url, site.url("good")], timeout=TIMEOUT, names=LABELS)
    assert download.file_sha256(paths[LABELS[0]]) == download.CANONICAL_SHA256[LABELS[0]]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("bad", ["corrupt", "truncated", "missing"])
def test_bad_file_on_first_mirror_then_good_mirror(site, tmp_path, bad):
    before = len(site.requests)
    paths = download.download(tmp_path, mirrors=[site.url(bad), site.url("good")], timeout=TIMEOUT,
                              names=["t10k-images-idx3-ubyte"])
    path = paths["t10k-images-idx3-ubyte"]
    assert Path(path).read_bytes() == (MNIST_DIR / "t10k-images-idx3-ubyte.gz").read_bytes()
    assert site.requests[before:] == ["/%s/t10k-images-idx3-ubyte.gz" % bad, "/good/t10k-images-idx3-ubyte.gz"]
    assert leftovers(tmp_path) == []


def test_all_mirrors_bad_is_a_clear_error_and_leaves_no_file(site, tmp_path, dead_url):
    mirrors = [dead_url, site.url("corrupt"), site.url("truncated"), site.url("missing")]
    with pytest.raises(download.DownloadError) as error:
        download.download(tmp_path, mirrors=mirrors, timeout=TIMEOUT, names=["t10k-images-idx3-ubyte"])
    message = str(error.value)
    assert "could not fetch t10k-images-idx3-ubyte from any mirror" in message
    for url in mirrors:
        assert url + "t10k-images-idx3-ubyte.gz" in message
    assert "checksum mismatch" in message and "HTTP 404" in message
    assert os.listdir(tmp_path) == []


def test_no_mirrors_at_all(tmp_path):
    with pytest.raises(download.DownloadError, match="no mirrors"):
        download.download(tmp_path, mirrors=[], names=LABELS)


def test_present_files_are_not_fetched_again_but_bad_ones_are(site, tmp_path):
    good_copy = tmp_path / "t10k-labels-idx1-ubyte.gz"
    shutil.copy(str(MNIST_DIR / "t10k-labels-idx1-ubyte.gz"), str(good_copy))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"not the file")
    before = len(site.requests)
    paths = download.download(tmp_path, mirrors=[site.url("good")], timeout=TIMEOUT,
                              names=["t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte"])
    assert site.requests[before:] == ["/good/train-labels-idx1-ubyte.gz"]
    assert paths["t10k-labels-idx1-ubyte"] == str(good_copy)
    assert download.present(str(tmp_path), "train-labels-idx1-ubyte") is not None


def test_a_bad_copy_in_the_other_form_is_replaced(site, tmp_path):
    # A corrupt uncompressed copy must not stay beside the verified gzip: readers
    # that look for either form would find the corrupt one first.
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"corrupt")
    paths = download.download(tmp_path, mirrors=[site.url("good")], timeout=TIMEOUT,
                              names=["t10k-labels-idx1-ubyte"])
    assert paths["t10k-labels-idx1-ubyte"] == str(tmp_path / "t10k-labels-idx1-ubyte.gz")
    assert sorted(os.listdir(tmp_path)) == ["t10k-labels-idx1-ubyte.gz"]


def test_an_uncompressed_copy_is_accepted_and_stored_as_it_is(site, tmp_path):
    paths = download.download(tmp_path, mirrors=[site.url("plain")], timeout=TIMEOUT, names=LABELS)
    assert paths[LABELS[0]] == str(tmp_path / LABELS[0])
    assert mnist.read_idx_labels(paths[LABELS[0]])[:5] == bytes([7, 2, 1, 0, 4])


def test_mirrors_from_the_environment(monkeypatch):
    monkeypatch.setenv(download.MIRRORS_ENV, "http://a.example/x/, http://b.example/y/  http://c.example/")
    assert download.mirrors_from_env() == ("http://a.example/x/", "http://b.example/y/", "http://c.example/")
    monkeypatch.setenv(download.MIRRORS_ENV, "  ")
    assert download.mirrors_from_env() == download.DEFAULT_MIRRORS


def test_environment_mirrors_are_used_when_none_are_given(site, tmp_path, monkeypatch):
    monkeypatch.setenv(download.MIRRORS_ENV, site.url("good"))
    paths = download.download(tmp_path, timeout=TIMEOUT, names=LABELS)
    assert download.present(str(tmp_path), LABELS[0]) == paths[LABELS[0]]


def test_default_cache_dir_honours_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert download.default_cache_dir() == os.path.join(str(tmp_path), "pynet", "mnist")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert download.default_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "pynet", "mnist")


def test_canonical_checksums_match_the_full_copy():
    full_mnist_dir()  # needs the full files
    for name in NAMES:
        assert download.file_sha256(str(MNIST_DIR / (name + ".gz"))) == download.CANONICAL_SHA256[name]


def test_cli_download(site, tmp_path, capsys):
    from pynet.app.cli import main
    dest = tmp_path / "d"
    assert main(["download", str(dest), "--mirror", site.url("missing"), "--mirror", site.url("good"),
                 "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert "MNIST is ready in %s" % dest in out
    assert sorted(os.listdir(dest)) == [name + ".gz" for name in NAMES]
    assert main(["download", str(tmp_path / "e"), "--mirror", site.url("missing"), "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pynet: error: could not fetch") and err.count("\n") == 1


def test_downloaded_data_is_found_by_name(site, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="run 'pynet download' first"):
        mnist.load("downloaded")
    download.download(mirrors=[site.url("good")], timeout=TIMEOUT)
    train, test = mnist.load("downloaded")
    assert (len(train), len(test)) == COUNTS
