"""The learning curve (SVG and PNG), the bitmap font, the canvas and the picture grids."""

import xml.etree.ElementTree as ET

import pytest

from helpers import read_rgb_png as rgb_png

from pynet.app import canvas, font, grids, plot
from pynet.app.history import History
from pynet.app.images import Image

SVG = "{http://www.w3.org/2000/svg}"
LOSS_BLUE = (31, 119, 180)


def history(epochs=3, per_epoch=50, validation=True, final_test=0.9, stopped=False):
    h = History()
    for e in range(epochs):
        for k in range(per_epoch):
            position = e + (k + 1) / per_epoch
            h.running_loss.append((position, 0.1 / (1 + position)))
        epoch = {"epoch": e + 1, "loss": 0.08 / (e + 1), "learning_rate": 0.3, "seconds": 1.0,
                 "train_accuracy": 0.90 + 0.02 * e}
        if validation:
            epoch["validation_accuracy"] = 0.88 + 0.01 * e
        h.epochs.append(epoch)
    h.kept_epoch = epochs or None
    h.test_accuracy = final_test if epochs else None
    h.stopped_early = stopped
    return h


def test_nice_ticks_cover_the_range_in_round_steps():
    assert plot.nice_ticks(0.0, 0.0432) == [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
    assert plot.nice_ticks(93.1, 100.0) == [92.0, 94.0, 96.0, 98.0, 100.0]
    assert plot.nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    flat = plot.nice_ticks(0.5, 0.5)
    assert flat[0] <= 0.5 < flat[-1]
    assert plot.epoch_ticks(1) == [0, 1] and plot.epoch_ticks(30) == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]


def test_svg_curve_has_the_running_loss_and_each_accuracy():
    root = ET.fromstring(plot.curve_svg(history(), title="a < b & c"))
    loss = [el for el in root.iter(SVG + "polyline") if el.get("class") == "loss"]
    points = [tuple(map(float, p.split(","))) for p in loss[0].get("points").split()]
    assert len(points) == 150  # 50 per epoch
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    assert points[0][1] < points[-1][1]  # falling loss goes down the picture (SVG's y grows downwards)
    circles = {}
    for c in root.iter(SVG + "circle"):
        circles.setdefault(c.get("class"), []).append((float(c.get("cx")), float(c.get("cy"))))
    assert len(circles["train"]) == 3 and len(circles["validation"]) == 3
    assert len(circles["test"]) == 1 and circles["test"][0][0] == circles["train"][2][0]  # at the kept epoch
    assert circles["train"][0][1] > circles["train"][2][1]  # rising accuracy goes up
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "a < b & c" in texts and "epoch" in texts and "accuracy %" in texts and "loss (running mean)" in texts
    assert {"loss", "train", "validation", "test"} <= set(texts)  # the legend


def test_svg_curve_of_a_run_stopped_before_any_epoch_ended():
    h = History()
    h.running_loss = [(0.02, 0.3), (0.04, 0.25)]
    h.stopped_early = True
    root = ET.fromstring(plot.curve_svg(h))
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "stopped early" in texts
    assert [el.get("class") for el in root.iter(SVG + "polyline")] == ["loss"]
    assert not list(root.iter(SVG + "circle"))
    empty = ET.fromstring(plot.curve_svg(History()))
    assert "nothing measured" in [t.text for t in empty.iter(SVG + "text")]


def test_png_curve_draws_the_series_in_their_colours():
    data = plot.curve_png(history(), title="784-100-10")
    width, height, rows = rgb_png(data)
    assert (width, height) == (plot.WIDTH, plot.HEIGHT)
    colours = {pixel for row in rows for pixel in row}
    for _, colour in plot.ACCURACY_SERIES:
        assert colour in colours
    assert LOSS_BLUE in colours and (0, 0, 0) in colours and (255, 255, 255) in colours
    left, top, right, bottom = plot.LEFT, plot.TOP, plot.WIDTH - plot.RIGHT, plot.HEIGHT - plot.BOTTOM
    assert all(rows[y][left] == (0, 0, 0) for y in range(top, bottom + 1))  # the frame's left edge
    inside = [(x, y) for y in range(top + 1, bottom) for x in range(left + 1, right) if rows[y][x] == LOSS_BLUE]
    assert min(x for x, _ in inside) < left + 10 and max(x for x, _ in inside) > right - 10  # across all epochs
    # the loss falls: its pixels on the left are higher up (smaller y) than on the right
    assert min(y for x, y in inside if x < left + 20) < min(y for x, y in inside if x > right - 20)
    no_validation = rgb_png(plot.curve_png(history(validation=False)))[2]
    assert plot.ACCURACY_SERIES[1][1] not in {p for row in no_validation for p in row}


def test_curve_format_by_name_and_others_refused(tmp_path):
    assert plot.check_curve_path("c.svg") == "svg" and plot.check_curve_path("C.PNG") == "png"
    for name in ("c.jpg", "c", "c.svg.txt", "png"):
        with pytest.raises(ValueError, match="name it .svg or .png"):
            plot.check_curve_path(name)
    plot.write_curve(str(tmp_path / "c.svg"), history())
    assert ET.parse(str(tmp_path / "c.svg")).getroot().tag == SVG + "svg"
    plot.write_curve(str(tmp_path / "c.png"), history(epochs=1))
    assert rgb_png((tmp_path / "c.png").read_bytes())[0] == plot.WIDTH
    with pytest.raises(ValueError):
        plot.write_curve(str(tmp_path / "c.jpg"), history())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "c.svg"]  # nothing half-written left


def test_font_has_every_digit_distinct_and_the_letters():
    shapes = [font.glyph(str(d)) for d in range(10)]
    assert len(set(shapes)) == 10 and all(shapes)
    for character in "ABCDEFGHIJKLMNOPQRSTUVWXYZ.%-:()":
        assert all(0 <= x < font.WIDTH and 0 <= y < font.HEIGHT for x, y in font.glyph(character))
        assert font.glyph(character) != font.glyph("?") or character == "?"
    assert font.glyph("e") == font.glyph("E") and font.glyph("\u00e9") == font.glyph("?")
    assert font.text_width("10", 2) == (2 * font.ADVANCE - 1) * 2


def test_canvas_draws_text_lines_and_clips():
    c = canvas.Canvas(40, 20)
    c.text(1, 1, "7", (0, 0, 0))
    ink = {(x, y) for y in range(20) for x in range(40) if c.get(x, y) == (0, 0, 0)}
    assert ink == {(1 + x, 1 + y) for x, y in font.glyph("7")}
    c.line(0, 19, 39, 19, (255, 0, 0))
    assert all(c.get(x, 19) == (255, 0, 0) for x in range(40))
    c.line(-50, -50, 100, 100, (0, 255, 0), width=3)  # clipped at the edges, no error
    assert c.get(10, 10) == (0, 255, 0)
    c.paste_gray(30, 0, Image(2, 1, b"\x00\xff"), scale=2)
    assert c.get(31, 1) == (0, 0, 0) and c.get(33, 1) == (255, 255, 255)
    with pytest.raises(ValueError):
        canvas.Canvas(0, 5)


def test_misclassified_grid_marks_label_and_prediction():
    digit = Image(28, 28, bytes(range(28)) * 28)
    missed = [(digit, 7, 2), (digit, 4, 9), (digit, 3, 5)]
    width, height, rows = rgb_png(grids.misclassified_png(missed, 100))
    scale, gap = 2, grids.GAP
    header = gap + (font.HEIGHT + 4) * grids.TEXT_SCALE * 2  # title and one line of explanation
    assert rows[header][gap] == (0, 0, 0) and rows[header][gap + 2 * 27] == (27, 27, 27)  # the image, enlarged
    red = [(x, y) for y in range(height) for x in range(width) if rows[y][x] == grids.RED]
    assert red and min(y for _, y in red) > header + 28 * scale  # predictions are under the images
    cell_w = 28 * scale + gap
    assert sorted({x // cell_w for x, _ in red}) == [0, 1, 2]  # one red prediction per cell
    with pytest.raises(ValueError, match="nothing to draw"):
        grids.misclassified_png([], 100)
    many = grids.misclassified_png([(digit, 1, 2)] * 450, 1000, limit=400)
    assert rgb_png(many)[1] > rgb_png(grids.misclassified_png([(digit, 1, 2)] * 20, 1000))[1]


def test_backquery_grid_has_ten_cells_in_a_row():
    images = [Image(28, 28, bytes([25 * label]) * 784) for label in range(10)]
    width, height, rows = rgb_png(grids.backquery_png(images, scale=3))
    top = grids.GAP + (font.HEIGHT + 4) * grids.TEXT_SCALE
    row = rows[top + 40]
    for label in range(10):
        assert (25 * label,) * 3 in row
    assert width >= 10 * 28 * 3


def test_the_kept_epoch_is_marked_when_it_is_not_the_last():
    h = history(epochs=4)
    h.kept_epoch = 2
    root = ET.fromstring(plot.curve_svg(h))
    kept = [el for el in root.iter(SVG + "line") if el.get("class") == "kept"]
    train = [(float(c.get("cx"))) for c in root.iter(SVG + "circle") if c.get("class") == "train"]
    assert len(kept) == 1 and float(kept[0].get("x1")) == train[1]
    assert not [el for el in ET.fromstring(plot.curve_svg(history(epochs=4))).iter() if el.get("class") == "kept"]
    assert (110, 110, 110) in {p for row in rgb_png(plot.curve_png(h))[2] for p in row}
