"""A local web page to draw digits on, and the JSON API behind it, with ``http.server``.

Routes (nothing else is served; no file is read from disk after start-up):

- ``GET /`` (or ``/index.html``): the page, one HTML file with its script and style inside.
- ``GET /api/model``: ``{"sizes", "hidden", "backquery", "weights"}``: the layer sizes, the
  back-query image of each label (784 gray values 0..255 each) and the first layer's
  weights of up to ``SHOWN_NODES`` hidden nodes (784 values each, -127..127, each node
  scaled by its largest weight).
- ``POST /api/query`` with a picture as the body (PNG, PGM; JPEG and more with Pillow):
  ``{"prediction": d, "outputs": [...], "input": [784 values]}``, the input being what the
  network read, after the same preparation as ``pynet query``. A body over ``MAX_BODY``
  bytes gets 413, one without a length 411, one that is not a picture 400; each error is
  ``{"error": "..."}``. Unknown paths get 404, other methods 405.

Each request is handled in its own thread; the network is only read, never changed.
"""

import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .. import conventions
from . import prepare

MAX_BODY = 8 * 1024 * 1024  # bytes in a POST body
SHOWN_NODES = 100  # hidden nodes whose weights the page shows
TIMEOUT = 30  # seconds a client may take to send its request


def _page():
    from importlib import resources
    try:
        return resources.files(__package__).joinpath("page.html").read_bytes()
    except AttributeError:  # Python 3.8
        return resources.read_binary(__package__, "page.html")


def model_summary(network):
    """What the page shows of ``network``: sizes, back-query images, first-layer weights."""
    sizes = list(network.layer_sizes)
    classes = sizes[-1]
    backquery = []
    for label in range(classes):
        values = network.backquery(conventions.targets(label, classes))  # (Q1)-(Q4), in [0.01, 0.99]
        backquery.append([min(255, max(0, int((v - 0.01) / 0.98 * 255 + 0.5))) for v in values])
    first = network.get_weights()[0]  # W(1): one row per input, one column per hidden node
    weights = []
    for node in range(min(SHOWN_NODES, sizes[1])):
        column = [row[node] for row in first]
        top = max(abs(w) for w in column) or 1.0
        weights.append([int(round(w / top * 127)) for w in column])
    return {"sizes": sizes, "hidden": sizes[1], "backquery": backquery, "weights": weights}


def answer(network, picture):
    """The reply to a query: the prepared input, the outputs and the largest output's label."""
    inputs = prepare.digit_inputs(picture, name="the picture")
    if len(inputs) != network.layer_sizes[0]:
        raise ValueError("the model takes %d inputs, not a 28x28 picture" % network.layer_sizes[0])
    outputs = list(network.query(inputs))
    best = max(range(len(outputs)), key=outputs.__getitem__)
    return {"prediction": best, "outputs": outputs, "input": inputs}


class Handler(BaseHTTPRequestHandler):
    """One request: the page, the model's summary, or a query."""

    server_version = "pynet"
    timeout = TIMEOUT
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        if self.server.log is not None:
            self.server.log.write("%s - %s\n" % (self.address_string(), format % args))

    def send_body(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, value):
        self.send_body(status, json.dumps(value).encode("utf-8"), "application/json")

    def fail(self, status, message):
        self.send_json(status, {"error": message})

    def path_only(self):
        return self.path.split("?", 1)[0].split("#", 1)[0]

    def do_GET(self):
        path = self.path_only()
        if path in ("/", "/index.html"):
            self.send_body(200, self.server.page, "text/html; charset=utf-8")
        elif path == "/api/model":
            self.send_body(200, self.server.summary, "application/json")
        elif path == "/api/query":
            self.fail(405, "POST a picture to /api/query")
        else:
            self.fail(404, "nothing at %s" % path)

    do_HEAD = do_GET

    def do_POST(self):
        path = self.path_only()
        if path != "/api/query":
            self.close_connection = True
            self.fail(404 if path not in ("/", "/index.html", "/api/model") else 405, "nothing to POST at %s" % path)
            return
        body = self.read_body()
        if body is None:
            return
        try:
            reply = answer(self.server.network, body)
        except ValueError as error:
            self.fail(400, str(error))
            return
        self.send_json(200, reply)

    def read_body(self):
        """The request's body, or ``None`` after answering with an error."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self.fail(411, "send the picture with a Content-Length, not in chunks")
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            self.fail(411, "a Content-Length is needed")
            return None
        if not length.strip().isdigit():
            self.close_connection = True
            self.fail(400, "the Content-Length %r is not a number" % length)
            return None
        length = int(length)
        if length > MAX_BODY:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            self.fail(413, "a picture of %d bytes is over the limit of %d bytes" % (length, MAX_BODY))
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            return None
        return body

    def _refuse_method(self):
        self.close_connection = True
        self.fail(405, "only GET and POST are served")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method


class Server(ThreadingHTTPServer):
    """The page's server: a thread per request, threads that do not outlive it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, network, host="127.0.0.1", port=8000, log=None):
        self.network = network
        self.log = log
        self.page = _page()
        self.summary = json.dumps(model_summary(network)).encode("utf-8")
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def handle_error(self, request, client_address):
        """A client that goes away or stalls is not worth a traceback; anything else is."""
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)

    @property
    def url(self):
        host, port = self.server_address[:2]
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d/" % ("127.0.0.1" if host == "0.0.0.0" else host, port)


def start(network, host="127.0.0.1", port=0):
    """A ``Server`` answering in a background thread (for tests and notebooks); ``shutdown()`` stops it."""
    server = Server(network, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
