"""Augmentation (``pynet.augment``) and the ``--augment`` option of ``pynet train``."""

import random
import struct

import pytest

from helpers import load_backend, run_cli, reproducible_model

from pynet.app import augment, mnist

SIDE = 28


@pytest.fixture(scope="module")
def digits():
    """The first 20 images of the bundled training subset."""
    train, _ = mnist.load()
    return train.head(20)


def pixel(image, row, col, cols=SIDE):
    return image[row * cols + col]


def a_dot(row, col, value=200, rows=SIDE, cols=SIDE):
    image = bytearray(rows * cols)
    image[row * cols + col] = value
    return bytes(image)


# -- transform -----------------------------------------------------------------------------------


def test_identity_and_rotation_by_zero(digits):
    for k in range(len(digits)):
        image = digits.image(k)
        assert augment.transform(image) == image
        assert augment.transform(image, angle=0.0, scale=1.0, shear=0.0) == image
        assert augment.transform(image, nearest=True) == image
        assert augment.transform(image, angle=360.0) == image


def test_result_is_an_image_of_bytes(digits):
    image = digits.image(3)
    out = augment.transform(image, dx=0.3, dy=-1.7, angle=13, scale=1.1, shear=0.2)
    assert isinstance(out, bytes) and len(out) == SIDE * SIDE
    assert augment.transform(bytearray(image)) == image
    assert augment.transform(memoryview(image)) == image


@pytest.mark.parametrize("dx, dy", [(2, 1), (-3, 2), (1, -4), (0, 5), (27, 0), (-28, 0)])
@pytest.mark.parametrize("nearest", [False, True])
def test_whole_pixel_shift_moves_pixels_exactly(digits, dx, dy, nearest):
    for k in (0, 7):
        image = digits.image(k)
        out = augment.transform(image, dx=dx, dy=dy, nearest=nearest)
        for row in range(SIDE):
            for col in range(SIDE):
                r, c = row - dy, col - dx
                expected = pixel(image, r, c) if 0 <= r < SIDE and 0 <= c < SIDE else 0
                assert pixel(out, row, col) == expected


def test_shift_direction():
    out = augment.transform(a_dot(10, 10), dx=3, dy=-2)
    assert pixel(out, 8, 13) == 200
    assert sum(out) == 200


def test_half_pixel_shift_interpolates():
    dot = a_dot(10, 10, 200)
    out = augment.transform(dot, dx=0.5)
    assert pixel(out, 10, 10) == 100 and pixel(out, 10, 11) == 100
    assert sum(out) == 200
    # nearest rounds half up: output column 10 reads input column 9.5, that is column 10
    assert augment.transform(dot, dx=0.5, nearest=True) == dot


def test_rotation_turns_counter_clockwise():
    # a dot right of the centre (13.5, 13.5) goes up under +90 degrees, down under -90
    dot = a_dot(13, 20)  # row 13, column 20: 6.5 right of centre, 0.5 above
    up = augment.transform(dot, angle=90)
    assert pixel(up, 7, 13) == 200 and sum(up) == 200
    down = augment.transform(dot, angle=-90)
    assert pixel(down, 20, 14) == 200 and sum(down) == 200
    # four quarter turns give the image back
    image = dot
    for _ in range(4):
        image = augment.transform(image, angle=90)
    assert image == dot


def test_scale_and_shear_directions():
    side = 29  # odd, so that the centre (14, 14) is a pixel
    dot = a_dot(14, 17, rows=side, cols=side)  # 3 right of the centre
    bigger = augment.transform(dot, rows=side, cols=side, scale=2.0)
    assert [pixel(bigger, 14, c, side) for c in range(17, 23)] == [0, 0, 100, 200, 100, 0]
    far = a_dot(14, 18, rows=side, cols=side)  # 4 right of the centre
    smaller = augment.transform(far, rows=side, cols=side, scale=0.5)  # half way to the centre
    assert pixel(smaller, 14, 16, side) == 200 and sum(smaller) == 200
    slanted = augment.transform(a_dot(4, 14, rows=side, cols=side), rows=side, cols=side, shear=0.5)
    assert pixel(slanted, 4, 19, side) == 200  # 10 rows above the centre: 5 to the right
    low = augment.transform(a_dot(24, 14, rows=side, cols=side), rows=side, cols=side, shear=0.5)
    assert pixel(low, 24, 9, side) == 200  # 10 rows below: 5 to the left


def test_pixel_range_is_kept(digits):
    rng = random.Random(5)
    white = bytes([255]) * (SIDE * SIDE)
    for k in range(len(digits)):
        params = dict(dx=rng.uniform(-3, 3), dy=rng.uniform(-3, 3), angle=rng.uniform(-30, 30),
                      scale=rng.uniform(0.7, 1.3), shear=rng.uniform(-0.3, 0.3))
        out = augment.transform(digits.image(k), **params)
        assert len(out) == SIDE * SIDE and 0 <= min(out) and max(out) <= 255
        assert max(augment.transform(white, **params)) == 255
    assert augment.transform(bytes(SIDE * SIDE), angle=20) == bytes(SIDE * SIDE)


def test_other_image_sizes():
    image = bytes(range(1, 13))  # 3 rows of 4
    assert augment.transform(image, rows=3, cols=4) == image
    assert augment.transform(image, rows=3, cols=4, dx=1) == bytes([0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11])
    assert augment.transform(image, rows=3, cols=4, dy=-1) == bytes([5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0])


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(image="abc"), TypeError, "bytes"),
    (dict(image=bytes(10)), ValueError, "784 pixels"),
    (dict(image=bytes(784), scale=0), ValueError, "scale"),
    (dict(image=bytes(784), scale=-1), ValueError, "scale"),
    (dict(image=bytes(784), angle=float("nan")), ValueError, "angle"),
    (dict(image=bytes(784), dx="x"), TypeError, "dx"),
    (dict(image=bytes(784), rows=0, cols=784), ValueError, "rows"),
])
def test_transform_bad_arguments(kwargs, error, words):
    image = kwargs.pop("image")
    with pytest.raises(error, match=words):
        augment.transform(image, **kwargs)


# -- Jitter --------------------------------------------------------------------------------------


def test_jitter_is_deterministic_for_a_seed_and_blocking(digits):
    pixels = digits.images
    one = augment.Jitter(seed=7).images(pixels)
    assert augment.Jitter(seed=7).images(pixels, len(digits)) == one
    jitter = augment.Jitter(seed=7)
    blocks = jitter.images(pixels[:5 * 784]) + b"".join(jitter.image(digits.image(k)) for k in range(5, 20))
    assert blocks == one
    assert augment.Jitter(seed=8).images(pixels) != one
    assert len(one) == len(pixels) and max(one) <= 255
    assert one != pixels


def test_jitter_with_zero_bounds_is_the_identity(digits):
    jitter = augment.Jitter(shift=0, rotate=0, scale=0, shear=0, seed=1)
    assert jitter.images(digits.images) == digits.images


def test_jitter_draws_stay_within_bounds():
    jitter = augment.Jitter(shift=1.5, rotate=8, scale=0.1, shear=0.2, seed=3)
    for _ in range(500):
        dx, dy, angle, scale, shear = jitter.draw()
        assert -1.5 <= dx <= 1.5 and -1.5 <= dy <= 1.5 and -8 <= angle <= 8
        assert 0.9 <= scale <= 1.1 and -0.2 <= shear <= 0.2


@pytest.mark.parametrize("kwargs, words", [
    (dict(shift=-1), "shift"), (dict(rotate=180), "rotate"), (dict(rotate=-5), "rotate"),
    (dict(scale=1.0), "scale"), (dict(shear=float("inf")), "shear"), (dict(rows=0), "rows"),
])
def test_jitter_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        augment.Jitter(**kwargs)


def test_jitter_images_bad_length():
    with pytest.raises(ValueError, match="do not make"):
        augment.Jitter(seed=1).images(bytes(785))
    with pytest.raises(TypeError):
        augment.Jitter(seed=1).images([0] * 784)


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("idx")
    train, test = mnist.load()
    for prefix, data, count in (("train", train, 60), ("t10k", test, 20)):
        part = data.head(count)
        (folder / ("%s-images-idx3-ubyte" % prefix)).write_bytes(
            struct.pack(">IIII", 0x803, count, 28, 28) + part.images)
        (folder / ("%s-labels-idx1-ubyte" % prefix)).write_bytes(struct.pack(">II", 0x801, count) + part.labels)
    return folder


def train_argv(data_dir, *extra):
    return ["train", "--data", str(data_dir), "--hidden", "8", "--epochs", "2", "--seed", "5", "--quiet"] + list(extra)


def test_cli_augment_trains_and_is_seeded(data_dir, tmp_path):
    models = []
    for name in ("a", "b"):
        path = tmp_path / (name + ".json")
        code, out, err = run_cli(train_argv(data_dir, "--augment", "2", "--shuffle", "--backend", "pure",
                                             "--save", str(path)))
        assert code == 0, err
        assert "augmenting: 2 jittered copies of each image per epoch" in out
        assert "epoch 2/2" in out
        models.append(reproducible_model(path))
    assert models[0] == models[1]
    assert models[0]["training"][0]["augment"] == {"copies": 2, "shift": 2.0, "rotate": 10.0, "scale": 0.1,
                                                   "shear": 0.1}
    code, out, err = run_cli(train_argv(data_dir, "--shuffle", "--backend", "pure",
                                         "--save", str(tmp_path / "plain.json")))
    assert code == 0 and "augmenting" not in out
    assert reproducible_model(tmp_path / "plain.json")["weights"] != models[0]["weights"]


def test_cli_augment_bounds_are_used(data_dir, tmp_path):
    code, out, err = run_cli(train_argv(data_dir, "--augment", "1", "--aug-shift", "1.5", "--aug-rotate", "5",
                                         "--aug-scale", "0", "--aug-shear", "0.05", "--backend", "pure"))
    assert code == 0, err
    assert "(shift 1.5 px, rotate 5 deg, scale 0, shear 0.05)" in out
    # all bounds 0: the copies are the images themselves, so the epoch is two plain passes
    for name, extra in (("zero", ["--augment", "1", "--aug-shift", "0", "--aug-rotate", "0", "--aug-scale", "0",
                                  "--aug-shear", "0"]), ("twice", ["--epochs", "4"])):
        argv = train_argv(data_dir, "--backend", "pure", "--save", str(tmp_path / (name + ".json")), *extra)
        if name == "twice":
            argv.remove("2")  # the default --epochs 2 of train_argv
            argv.remove("--epochs")
        code, out, err = run_cli(argv)
        assert code == 0, err
    import json
    zero = json.loads((tmp_path / "zero.json").read_text())
    twice = json.loads((tmp_path / "twice.json").read_text())
    assert zero["weights"] == twice["weights"]


def test_cli_augment_same_model_with_both_backends_and_any_chunk(data_dir, tmp_path):
    load_backend("fast")  # skips (or, with PYNET_REQUIRE_FAST=1, fails) when pynet_fast is not built
    texts = []
    for backend, chunk in (("pure", "1"), ("fast", "7"), ("fast", "1000")):
        path = tmp_path / ("%s-%s.json" % (backend, chunk))
        code, out, err = run_cli(train_argv(data_dir, "--augment", "1", "--shuffle", "--bias", "--backend", backend,
                                             "--chunk", chunk, "--save", str(path)))
        assert code == 0, err
        model = reproducible_model(path)
        texts.append((model["weights"], model["biases"]))  # the losses, means per chunk, differ in the last bits
    assert texts[0] == texts[1] == texts[2]


@pytest.mark.parametrize("extra, words", [
    (["--augment", "-1"], "--augment"),
    (["--augment", "x"], "--augment"),
    (["--augment", "1", "--aug-rotate", "180"], "--aug-rotate"),
    (["--augment", "1", "--aug-scale", "1"], "--aug-scale"),
    (["--augment", "1", "--aug-shift", "-2"], "--aug-shift"),
    (["--aug-shift", "2"], "only with --augment"),
])
def test_cli_augment_bad_arguments(data_dir, extra, words):
    code, out, err = run_cli(train_argv(data_dir, *extra))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pynet: error: ") and words in lines[0], err


def test_cli_help_documents_augment():
    code, out, err = run_cli(["train", "--help"])
    assert code == 0
    for words in ("--augment N", "--aug-shift", "--aug-rotate", "--aug-scale", "--aug-shear", "--seed"):
        assert words in out
