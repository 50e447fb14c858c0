"""``pynet serve``: the page, the JSON API, its limits, many clients, and Ctrl-C."""

import http.client
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from pynet import NeuralNetwork
from pynet.app import images, mnist, prepare, server

from digits import child_env
from helpers import run_cli


@pytest.fixture(scope="module")
def model_path(digit_model):
    return digit_model


@pytest.fixture(scope="module")
def running(model_path):
    network = NeuralNetwork.load(str(model_path))
    httpd = server.start(network)
    yield httpd, network
    httpd.shutdown()
    httpd.server_close()


def request(httpd, method, path, body=None, headers=None):
    host, port = httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def digit_png(k=0):
    """MNIST test digit ``k`` as ink on paper, three times larger, as PNG bytes."""
    test = mnist.load()[1]
    return images.encode_png(images.enlarge(images.Image(28, 28, test.image(k)).inverted(), 3)), test.labels[k]


def test_the_page_is_one_self_contained_file(running):
    httpd, _ = running
    status, kind, body = request(httpd, "GET", "/")
    assert status == 200 and kind.startswith("text/html")
    page = body.decode("utf-8")
    for needed in ('id="pad"', 'id="clear"', 'id="prediction"', 'id="file"', "pointerdown", "api/query"):
        assert needed in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page  # works offline
    assert request(httpd, "GET", "/index.html?x=1")[2] == body


def test_query_api_answers_as_the_pipeline_does(running):
    httpd, network = running
    data, label = digit_png(0)
    status, kind, body = request(httpd, "POST", "/api/query", data)
    assert status == 200 and kind == "application/json"
    reply = json.loads(body)
    inputs = prepare.digit_inputs(data)
    assert reply["input"] == inputs and len(inputs) == 784
    assert reply["outputs"] == network.query(inputs)
    assert reply["prediction"] == max(range(10), key=reply["outputs"].__getitem__) == label


def test_model_summary(running):
    httpd, network = running
    status, _, body = request(httpd, "GET", "/api/model")
    summary = json.loads(body)
    assert status == 200 and summary["sizes"] == list(network.layer_sizes)
    assert len(summary["backquery"]) == 10 and all(len(b) == 784 for b in summary["backquery"])
    hidden = network.layer_sizes[1]
    assert summary["hidden"] == hidden and len(summary["weights"]) == min(hidden, server.SHOWN_NODES)
    first = network.get_weights()[0]
    column = [row[0] for row in first]
    top = max(abs(w) for w in column)
    assert summary["weights"][0] == [int(round(w / top * 127)) for w in column]


@pytest.mark.parametrize("path", ["/etc/passwd", "/../pyproject.toml", "/page.html", "/pynet/app/page.html",
                                  "/api", "/%2e%2e/setup.py", "//etc/passwd"])
def test_unknown_paths_are_404(running, path):
    status, kind, body = request(running[0], "GET", path)
    assert status == 404 and kind == "application/json" and "error" in json.loads(body)


def test_bad_requests(running):
    httpd, _ = running
    status, _, body = request(httpd, "POST", "/api/query", b"hello, not a picture")
    assert status == 400 and "not a PNG or PGM" in json.loads(body)["error"]
    status, _, body = request(httpd, "POST", "/api/query", b"P5\n1 50000\n255\n" + bytes(50000))
    assert status == 400 and "more than 20 times" in json.loads(body)["error"]
    status, _, body = request(httpd, "POST", "/api/query", b"")
    assert status == 400
    status, _, _ = request(httpd, "GET", "/api/query")
    assert status == 405
    status, _, _ = request(httpd, "PUT", "/api/query", b"x")
    assert status == 405
    status, _, _ = request(httpd, "POST", "/nowhere", b"x")
    assert status == 404


def test_a_body_over_the_limit_is_413_without_reading_it(running):
    httpd, _ = running
    host, port = httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.putrequest("POST", "/api/query")
    connection.putheader("Content-Length", str(server.MAX_BODY + 1))
    connection.endheaders()  # the body is never sent: the answer must not wait for it
    response = connection.getresponse()
    assert response.status == 413 and "limit" in json.loads(response.read())["error"]
    connection.close()
    status, _, _ = request(httpd, "POST", "/api/query", b"x", {"Content-Length": "12abc"})
    assert status == 400


def test_many_clients_at_once(running):
    httpd, network = running
    pictures = [digit_png(k) for k in range(4)]
    expected = [max(range(10), key=network.query(prepare.digit_inputs(data)).__getitem__) for data, _ in pictures]
    results, errors = {}, []

    def client(n):
        try:
            for r in range(3):
                k = (n + r) % 4
                status, _, body = request(httpd, "POST", "/api/query", pictures[k][0])
                results[(n, r)] = (status, json.loads(body)["prediction"], k)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(results) == 24
    assert all(status == 200 and guess == expected[k] for status, guess, k in results.values())


def test_ctrl_c_stops_the_server_cleanly(model_path):
    process = subprocess.Popen([sys.executable, "-m", "pynet", "serve", str(model_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(),
                               universal_newlines=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("serving ") and "127.0.0.1" in first, first + process.stderr.read()
        url = first.split(" at ", 1)[1].split()[0]
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_serve_refuses_a_busy_port_in_one_line(model_path, running):
    port = running[0].server_address[1]
    code, _, err = run_cli(["serve", str(model_path), "--port", str(port)])
    assert code == 1 and err.count("\n") == 1 and "cannot listen" in err
