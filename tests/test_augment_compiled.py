"""pynet_fast's compiled sampling of augmented images gives pynet.app.augment's pure bytes."""

import random

import pytest

from helpers import load_backend, read_pixels
from pynet.app import augment


def draws(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        yield (rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-40, 40), rng.uniform(0.5, 1.6),
               rng.uniform(-0.4, 0.4))


@pytest.mark.parametrize("nearest", [False, True], ids=["bilinear", "nearest"])
def test_compiled_sampling_matches_the_pure_reference(nearest):
    fast = load_backend("fast")
    pixels = read_pixels("train", 60)[0]
    for k, (dx, dy, angle, scale, shear) in enumerate(draws(600, 5)):
        image = pixels[(k % 60) * 784:(k % 60 + 1) * 784]
        pure = augment._transform_pure(image, 28, 28, dx, dy, angle, scale, shear, nearest)
        compiled = fast.transform_image(image, 28, 28, dx, dy, augment._inverse(angle, scale, shear), nearest)
        assert compiled == pure, (k, dx, dy, angle, scale, shear)


@pytest.mark.parametrize("rows, cols", [(28, 28), (5, 9), (1, 1), (3, 1)])
def test_other_sizes_and_edge_transforms(rows, cols):
    fast = load_backend("fast")
    rng = random.Random(rows * 100 + cols)
    for trial in range(200):
        image = bytes(rng.choice((0, 0, 7, 255)) for _ in range(rows * cols))
        if trial == 0:
            image = bytes(rows * cols)  # blank
        for dx, dy, angle, scale, shear in [(0.0, 0.0, 0.0, 1.0, 0.0), (1.0, -2.0, 0.0, 1.0, 0.0),
                                             (0.5, 0.5, 90.0, 1.0, 0.0), (0.0, 0.0, 180.0, 0.3, 2.0),
                                             (40.0, 0.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 1e-3, 0.0)]:
            for nearest in (False, True):
                pure = augment._transform_pure(image, rows, cols, dx, dy, angle, scale, shear, nearest)
                compiled = fast.transform_image(image, rows, cols, dx, dy, augment._inverse(angle, scale, shear),
                                                nearest)
                assert compiled == pure, (image, dx, dy, angle, scale, shear, nearest)


def test_the_jitter_uses_the_compiled_sampling_where_installed(monkeypatch):
    fast = load_backend("fast")
    assert augment._compiled_transform() is fast.transform_image
    pixels = read_pixels("train", 20)[0]
    compiled = augment.Jitter(seed=3).images(pixels)
    monkeypatch.setattr(augment, "_compiled", None)  # as without pynet_fast
    assert augment.Jitter(seed=3).images(pixels) == compiled


def test_a_wrong_image_size_is_refused():
    fast = load_backend("fast")
    with pytest.raises(ValueError, match="28x28 has 784 pixels, got 10"):
        fast.transform_image(bytes(10), 28, 28, 0.0, 0.0, (1.0, 0.0, 0.0, 1.0), False)
