"""The SVG learning curve."""

import xml.etree.ElementTree as ET

from pynet.app import plot

SVG = "{http://www.w3.org/2000/svg}"


def points(root, name):
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(SVG + "circle") if c.get("class") == name]


def test_nice_ticks_cover_the_range_in_round_steps():
    assert plot.nice_ticks(0.0, 0.0432) == [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
    assert plot.nice_ticks(93.1, 100.0) == [92.0, 94.0, 96.0, 98.0, 100.0]
    assert plot.nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    flat = plot.nice_ticks(0.5, 0.5)
    assert flat[0] <= 0.5 < flat[-1]


def test_curve_points_follow_the_values():
    losses = [0.05, 0.03, 0.02]
    accuracies = [0.94, 0.96, 0.975]
    root = ET.fromstring(plot.learning_curve_svg(losses, accuracies, title="a < b & c"))
    loss_points = points(root, "loss")
    accuracy_points = points(root, "accuracy")
    assert len(loss_points) == 3 and len(accuracy_points) == 3
    xs = [x for x, _ in loss_points]
    assert xs == sorted(xs) and xs == [x for x, _ in accuracy_points]
    # SVG's y grows downwards: falling loss goes down the picture, rising accuracy up
    assert loss_points[0][1] < loss_points[1][1] < loss_points[2][1]
    assert accuracy_points[0][1] > accuracy_points[1][1] > accuracy_points[2][1]
    titles = [t.text for t in root.iter(SVG + "text")]
    assert "a < b & c" in titles and "epoch" in titles
    assert "94%" in titles and "100%" in titles  # the right-hand axis, in percent


def test_one_epoch_and_no_epochs_still_make_valid_svg(tmp_path):
    root = ET.fromstring(plot.learning_curve_svg([0.04], [0.9]))
    assert len(points(root, "loss")) == 1 and not list(root.iter(SVG + "polyline"))
    root = ET.fromstring(plot.learning_curve_svg([], []))
    assert points(root, "loss") == []
    path = tmp_path / "c.svg"
    plot.write_learning_curve(str(path), [0.1, 0.05], [0.8, 0.9])
    assert ET.parse(str(path)).getroot().tag == SVG + "svg"
