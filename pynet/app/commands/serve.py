"""``pynet serve MODEL``: a page to draw digits on, served on this computer."""

import signal
import threading

from .. import server as pages
from ..backend import choose_backend, load_model
from ..errors import EXIT_OK, UserError
from ..options import add_backend, whole_number


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "serve", help="a web page to draw digits on and see what the network answers",
        description="Serve a page to draw digits on (or drop photos of them) and see the network's answer, "
                    "its ten outputs, the 28x28 it reads, what it imagines for each digit and its first "
                    "layer's weights. The page calls a JSON API: POST a picture to /api/query. "
                    "Stop with Ctrl-C.")
    parser.add_argument("model", metavar="MODEL.json")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this computer only; "
                             "0.0.0.0 lets others on the network in)")
    parser.add_argument("--port", type=whole_number(0), default=8000, help="the port (default 8000; 0: any free one)")
    parser.add_argument("--log", action="store_true", help="print a line for every request")
    add_backend(parser)
    return parser


def run(args, out, err):
    if args.port > 65535:
        raise UserError("--port %d is above 65535" % args.port)
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    if network.layer_sizes[0] != 784:
        raise UserError("%s takes %d inputs; the page draws 28x28 = 784" % (args.model, network.layer_sizes[0]))
    try:
        server = pages.Server(network, args.host, args.port, log=err if args.log else None)
    except OSError as error:
        raise UserError("cannot listen on %s port %d: %s" % (args.host, args.port, error.strerror or error))
    out.write("serving %s (%s) at %s ; stop with Ctrl-C\n" % (args.model, "-".join(map(str, network.layer_sizes)),
                                                            server.url))
    out.flush()
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:  # Ctrl-C stops it, even when it was started where SIGINT is ignored
        before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.write("stopped\n")
    finally:
        server.server_close()
        if in_main:
            signal.signal(signal.SIGINT, before)
    return EXIT_OK
