"""A picture made into what the network reads, as MNIST's digits were made."""

import io
import random

import pytest

from pynet import NeuralNetwork, conventions
from pynet.app import images, levels, mnist, prepare
from pynet.app.images import Image

from digits import photo_like
from helpers import run_cli


def bar(width, height, box, paper=255, ink=0):
    """A ``width x height`` picture with a rectangle ``box = (x0, y0, x1, y1)`` of ink."""
    x0, y0, x1, y1 = box
    return Image(width, height, bytes(ink if x0 <= x < x1 and y0 <= y < y1 else paper
                                      for y in range(height) for x in range(width)))


def ink_box(image):
    xs = [i % image.width for i, p in enumerate(image.pixels) if p]
    ys = [i // image.width for i, p in enumerate(image.pixels) if p]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def centre_of_mass(image):
    mass = sum(image.pixels)
    return (sum(p * (i % image.width) for i, p in enumerate(image.pixels)) / mass,
            sum(p * (i // image.width) for i, p in enumerate(image.pixels)) / mass)


@pytest.fixture(scope="module")
def network(digit_model):
    return NeuralNetwork.load(str(digit_model))


def test_a_digit_is_fitted_to_20_by_20_and_centred_by_mass():
    test = mnist.load()[1]
    for k in range(20):
        seen = prepare.prepare(Image(28, 28, test.image(k)))
        x0, y0, x1, y1 = ink_box(seen)
        assert max(x1 - x0, y1 - y0) in (20, 21)  # the longer side fills the box (a pixel of stroke may spill)
        cx, cy = centre_of_mass(seen)
        assert abs(cx - 14) <= 0.6 and abs(cy - 14) <= 0.6
        assert max(seen.pixels) == 255


def test_the_aspect_ratio_is_kept():
    seen = prepare.prepare(bar(100, 100, (45, 10, 55, 90)))  # a stroke 10 wide and 80 high: a "1"
    x0, y0, x1, y1 = ink_box(seen)
    assert y1 - y0 == 20 and 2 <= x1 - x0 <= 5


def test_polarity_comes_from_the_border():
    dark_on_light, notes = prepare.prepare_with_notes(bar(60, 60, (25, 10, 33, 50)))
    light_on_dark, other = prepare.prepare_with_notes(bar(60, 60, (25, 10, 33, 50), paper=0, ink=255))
    assert notes["inverted"] and not other["inverted"]
    assert dark_on_light.pixels == light_on_dark.pixels
    small_ink = bar(240, 240, (10, 10, 16, 40))  # ink on well under 2% of the picture
    assert prepare.prepare_with_notes(small_ink)[1]["inverted"]


def test_uneven_light_and_grey_paper_become_black_and_ink_white():
    even = prepare.prepare(bar(80, 80, (30, 10, 50, 70)))
    w = h = 80
    shaded = bytes(int((40 if 30 <= x < 50 and 10 <= y < 70 else 200) * (0.45 + 0.55 * x / w))
                   for y in range(h) for x in range(w))  # paper from 90 to 200, ink darker still
    grey = bar(80, 80, (30, 10, 50, 70), paper=150, ink=90)
    for picture in (Image(w, h, shaded), grey):
        seen = prepare.prepare(picture)
        x0, y0, x1, y1 = ink_box(seen)
        e0, f0, e1, f1 = ink_box(even)
        assert abs((x1 - x0) - (e1 - e0)) <= 1 and abs((y1 - y0) - (f1 - f0)) <= 1
        inside = [seen.pixels[y * 28 + x] for y in range(y0 + 1, y1 - 1) for x in range(x0 + 1, x1 - 1)]
        assert min(inside) >= 100  # ink on the dim side still strong, though less than on the bright one
        assert sum(seen.pixels) == sum(seen.pixels[y * 28 + x] for y in range(y0, y1) for x in range(x0, x1))


def test_specks_are_removed():
    clean = bar(100, 100, (40, 10, 60, 90))
    rng = random.Random(3)
    pixels = bytearray(clean.pixels)
    for _ in range(40):
        x, y = rng.randrange(100), rng.randrange(100)
        if not (36 <= x < 64):
            pixels[y * 100 + x] = 0
    assert prepare.prepare(Image(100, 100, pixels)).pixels == prepare.prepare(clean).pixels
    assert levels.remove_specks([0, 9, 0, 0, 0, 0, 0, 1], 4, 2, 0.5) == [0, 9, 0, 0, 0, 0, 0, 0]
    assert levels.remove_specks([0, 9, 0, 0, 0, 0, 1, 0], 4, 2, 0.5) == [0, 9, 0, 0, 0, 0, 1, 0]  # touching


def test_a_blank_picture_has_no_ink():
    for blank in (Image(50, 50, bytes([255]) * 2500), Image(9, 9, bytes(81)),
                  Image(64, 64, bytes(random.Random(1).randrange(120, 136) for _ in range(4096)))):
        seen, notes = prepare.prepare_with_notes(blank)
        assert seen.pixels == bytes(784) and notes["ink"] is False


def test_thin_lines_are_widened_like_a_pen():
    thin = prepare.prepare(bar(200, 200, (99, 20, 101, 180)))  # a line 2 px wide, 160 high
    thick = prepare.prepare(bar(200, 200, (90, 20, 110, 180)))  # 20 px wide
    assert sum(1 for p in thin.pixels if p > 128) >= 0.6 * sum(1 for p in thick.pixels if p > 128)


def test_every_kind_of_source_gives_the_same_inputs(tmp_path):
    picture = bar(40, 30, (15, 5, 25, 25))
    data = images.encode_png(picture)
    path = tmp_path / "p.png"
    path.write_bytes(data)
    expected = prepare.digit_inputs(picture)
    assert len(expected) == 784 and expected == conventions.scale_row(prepare.prepare(picture).pixels)
    for source in (data, bytearray(data), str(path), path, io.BytesIO(data), images.encode_pgm(picture)):
        assert prepare.digit_inputs(source) == expected
    with pytest.raises(TypeError, match="path, bytes or a binary file"):
        prepare.digit_inputs(12)


def test_photo_like_pictures_are_read(network):
    test = mnist.load()[1]
    rng = random.Random(5)
    right = sum(network.predict(prepare.digit_inputs(photo_like(test.image(k), rng))) == test.labels[k]
                for k in range(20))
    assert right >= 17, "%d of 20 photo-like pictures named" % right


def test_a_jpeg_photo_is_named_by_the_command(network, tmp_path):
    PIL = pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    test = mnist.load()[1]
    model = tmp_path / "model.json"
    network.save(str(model))
    rng = random.Random(8)
    right = 0
    for k in range(10):
        photo = photo_like(test.image(k), rng)
        path = tmp_path / ("photo-%d.jpg" % k)
        PIL.frombytes("L", (photo.width, photo.height), photo.pixels).save(str(path), "JPEG", quality=75)
        code, out, _ = run_cli(["query", str(model), str(path), "--json"])
        assert code == 0
        right += '"prediction": %d,' % test.labels[k] in out
    assert right >= 9
