"""Downloads are bounded in bytes and in time, against hostile servers on 127.0.0.1."""

import gzip
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pynet.app import download

NAME = "t10k-labels-idx1-ubyte"


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        kind = self.path.strip("/").split("/")[0]
        sent = 0
        try:
            while sent < 50 * 1024 * 1024 and not self.server.stopping:
                if kind == "empty-members":  # valid gzip members, each decompressing to nothing
                    piece = gzip.compress(b"") * 256
                elif kind == "trickle":  # one byte of a valid gzip stream at a time, slowly
                    piece = gzip.compress(b"\0" * 64)[sent % 20:sent % 20 + 1]
                    time.sleep(0.05)
                else:  # "zeros": more than the file can be, fast
                    piece = b"\0" * 65536
                self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.server.sent.append((kind, sent))


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.sent, server.stopping = [], False
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stopping = True
    server.shutdown()
    server.server_close()
    thread.join(5)


def _url(server, kind):
    return "http://127.0.0.1:%d/%s/" % (server.server_address[1], kind)


@pytest.mark.parametrize("kind, words", [("empty-members", "sent more than"), ("zeros", "more data than the canonical file holds")])
def test_a_mirror_that_sends_without_end_is_dropped(hostile, tmp_path, kind, words):
    started = time.monotonic()
    with pytest.raises(download.DownloadError) as raised:
        download.download(tmp_path, mirrors=[_url(hostile, kind)], names=[NAME], timeout=5, time_limit=60)
    assert words in str(raised.value)
    assert time.monotonic() - started < 30
    assert os.listdir(str(tmp_path)) == []  # no partial file left


def test_a_mirror_that_trickles_is_dropped_after_the_time_limit(hostile, tmp_path):
    started = time.monotonic()
    with pytest.raises(download.DownloadError, match="took more than 1 s"):
        download.download(tmp_path, mirrors=[_url(hostile, "trickle")], names=[NAME], timeout=5, time_limit=1)
    assert time.monotonic() - started < 10
    assert os.listdir(str(tmp_path)) == []


def test_the_default_mirrors_are_https_only():
    assert download.DEFAULT_MIRRORS
    assert all(url.startswith("https://") for url in download.DEFAULT_MIRRORS)
