"""The drawing page in a real browser: Chromium driven by Playwright, digits drawn with the mouse.

Skips (with the reason) where Playwright or a Chromium cannot be had. The browser is
Debian's ``chromium`` at ``/usr/bin/chromium`` (or ``PYNET_CHROMIUM``). With
``PYNET_SCREENSHOT=docs/serve.png`` the test writes its screenshot of the page there.
"""

import os
import shutil

import pytest

from pynet import NeuralNetwork
from pynet.app import images, mnist, server

from digits import STROKES

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def chromium_path():
    for candidate in (os.environ.get("PYNET_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium) nor PYNET_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(digit_model):
    network = NeuralNetwork.load(str(digit_model))
    httpd = server.start(network)
    yield httpd, network
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(browser, site):
    page = browser.new_page(viewport={"width": 1240, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site[0].url)
    page.wait_for_function("document.querySelectorAll('#imagines canvas').length === 10")
    yield page
    page.close()
    assert not errors, errors


def draw(page, strokes):
    """Draw ``strokes`` (points on the 280 x 280 pad) with the mouse."""
    box = page.locator("#pad").bounding_box()
    sx, sy = box["width"] / 280, box["height"] / 280
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=3)
        page.mouse.up()


def answer_settles(page):
    """Wait until no request is in flight and none is waiting, then read ``#prediction``."""
    page.wait_for_function("!busy && !again", timeout=30000)
    return page.locator("#prediction").inner_text()


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_a_digit_drawn_with_the_mouse_is_named(page, digit):
    assert page.locator("#prediction").inner_text() == "?"
    draw(page, STROKES[digit])
    assert answer_settles(page) == str(digit)
    widths = page.eval_on_selector_all("#bars .fill", "bars => bars.map(b => parseFloat(b.style.width))")
    assert len(widths) == 10 and max(widths) == widths[digit] > 50
    lit = page.evaluate("Array.from(document.getElementById('seen').getContext('2d')"
                        ".getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 == 0 && v > 128).length")
    assert 30 < lit < 400  # the 28x28 the network saw has a digit's worth of ink
    page.click("#clear")
    assert page.locator("#prediction").inner_text() == "?"


def test_the_answer_updates_while_drawing(page):
    box = page.locator("#pad").bounding_box()
    stroke = STROKES[7][0]
    page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
    page.mouse.down()
    page.mouse.move(box["x"] + stroke[1][0], box["y"] + stroke[1][1], steps=5)
    page.wait_for_function("document.getElementById('prediction').textContent !== '?'", timeout=30000)
    page.mouse.move(box["x"] + stroke[2][0], box["y"] + stroke[2][1], steps=5)  # still drawing
    page.mouse.up()
    assert answer_settles(page) == "7"


def test_a_chosen_picture_goes_through_the_pipeline(page, tmp_path):
    test = mnist.load()[1]
    for k in range(3):
        path = tmp_path / ("digit-%d.png" % k)
        images.write_png(str(path), images.enlarge(images.Image(28, 28, test.image(k)).inverted(), 4))
        page.set_input_files("#file", str(path))
        page.wait_for_function("document.getElementById('prediction').textContent === '%d'" % test.labels[k],
                               timeout=30000)
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    page.set_input_files("#file", str(text))
    page.wait_for_function("document.getElementById('message').textContent.includes('not a PNG or PGM')",
                           timeout=30000)


def test_the_page_shows_what_the_network_imagines_and_its_weights(page, site, tmp_path):
    hidden = site[1].layer_sizes[1]
    assert page.locator("#imagines figure").count() == 10
    assert page.locator("#weights canvas").count() == min(hidden, server.SHOWN_NODES)
    draw(page, STROKES[3])
    assert answer_settles(page) == "3"
    assert page.locator("#imagines figure.winner figcaption").inner_text() == "3"
    target = os.environ.get("PYNET_SCREENSHOT") or str(tmp_path / "serve.png")
    page.screenshot(path=target, full_page=True)
    shot = images.read_image(target)
    assert shot.width >= 1000 and shot.height >= 600
