"""pynet_fast's compiled sampling of augmented images gives pynet.app.augment's pure bytes."""

import random

import pytest

from helpers import load_backend, read_pixels
from test_split import helper_mode  # noqa: F401 (a fixture)
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


def samples_both_ways(monkeypatch, picked, count, **bounds):
    """``Jitter.samples`` compiled and pure, and the state of each one's random generator after."""
    pixels = read_pixels("train", count)[0]
    compiled = augment.Jitter(seed=8, **bounds)
    made = compiled.samples(pixels, picked, count)
    monkeypatch.setattr(augment, "_compiled", None)  # as without pynet_fast
    pure = augment.Jitter(seed=8, **bounds)
    reference = pure.samples(pixels, picked, count)
    monkeypatch.undo()
    return made, reference, compiled.random.getstate(), pure.random.getstate()


@pytest.mark.parametrize("bounds", [{}, {"shift": 0.0}, {"rotate": 0.0, "shear": 0.0}, {"scale": 0.5, "rotate": 90.0},
                                    {"shift": 0.0, "rotate": 0.0, "scale": 0.0, "shear": 0.0}, {"nearest": True}],
                         ids=["defaults", "no-shift", "no-rotate-or-shear", "wide", "identity", "nearest"])
def test_compiled_epoch_samples_match_the_pure_jitter(monkeypatch, bounds):
    load_backend("fast")
    picked = list(range(90))
    random.Random(1).shuffle(picked)  # plain (s < 30) and jittered copies, two per image, mixed
    made, reference, state, pure_state = samples_both_ways(monkeypatch, picked, 30, **bounds)
    assert made == reference
    assert state == pure_state  # the same draws, in the same order


def test_compiled_samples_are_those_of_jitter_image(monkeypatch):
    load_backend("fast")
    pixels = read_pixels("train", 12)[0]
    one_by_one = augment.Jitter(seed=2)
    expected = b"".join(pixels[k * 784:(k + 1) * 784] if s < 12 else one_by_one.image(pixels[k * 784:(k + 1) * 784])
                        for s, k in ((s, s % 12) for s in [3, 15, 40, 0, 12]))
    assert augment.Jitter(seed=2).samples(pixels, [3, 15, 40, 0, 12], 12) == expected


def test_compiled_inverse_map_matches_the_pure_one():
    fast = load_backend("fast")
    rng = random.Random(4)
    for _ in range(20000):
        angle, scale, shear = rng.uniform(-180, 180), rng.uniform(0.01, 3), rng.uniform(-2, 2)
        assert fast._kernels.inverse(angle, scale, shear) == augment._inverse(angle, scale, shear)


@pytest.mark.parametrize("picked, count, error, words", [
    ([0, -1], 3, ValueError, "at least 0"), ([0, 1.0], 3, TypeError, "whole numbers"),
    ([0], 2, ValueError, "not 2 images"), ([0], 0, ValueError, "not 0 images")])
def test_jitter_samples_bad_arguments_draw_nothing(picked, count, error, words):
    jitter = augment.Jitter(seed=1)
    state = jitter.random.getstate()
    with pytest.raises(error, match=words):
        jitter.samples(read_pixels("train", 3)[0], picked, count)
    assert jitter.random.getstate() == state


FINGERPRINT = "91c1403b03f8d685c546b6eaa4a8e7f131a7b64a5fa841163e50cf78eb209e52"  # made by pynet 0.2.0 before the
#                                               compiled jitter: the pure Jitter.image of each copy, one at a time


def test_an_augmented_run_trains_the_model_it_always_did(backend):
    import hashlib
    import struct

    from helpers import bundled_mnist
    from pynet.app import training

    network = backend.NeuralNetwork(784, 16, 10, 0.3, seed=4)
    training.train(network, bundled_mnist()[0].head(300), epochs=2, augment=2, shuffle=True, seed=9,
                   train_accuracy=0, jitter_bounds={"shift": 2.5})
    flat = [w for matrix in network.get_weights() for row in matrix for w in row]
    flat += [b for vector in network.get_biases() for b in vector]
    assert hashlib.sha256(struct.pack("<%dd" % len(flat), *flat)).hexdigest() == FINGERPRINT


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
def test_jittered_images_split_over_threads_match_the_pure_jitter(monkeypatch, threads):
    # 300 jittered copies: shares of 300, 150, 100 and 64 (the last one 44) per thread
    fast = load_backend("fast")
    from pynet_fast import network

    monkeypatch.setattr(network, "QUERY_THREADS", threads)
    picked = list(range(400))
    random.Random(threads).shuffle(picked)
    made, reference, state, pure_state = samples_both_ways(monkeypatch, picked, 100)
    assert made == reference
    assert state == pure_state
    pixels = read_pixels("train", 100)[0]
    jitter = augment.Jitter(seed=8)
    direct = fast._kernels.jitter_samples(pixels, 28, 28, 100, picked, jitter.random.random, jitter.shift,
                                          jitter.rotate, jitter.scale, jitter.shear, False, threads)
    assert direct == reference  # the kernel itself, told the threads


@pytest.mark.parametrize("mode", [0, 1, 2, 4], ids=["helper", "no-helper", "helper-never-helps", "helps-once"])
@pytest.mark.parametrize("jittered", [15, 16, 17, 130])
def test_jittered_images_shared_with_the_helper_thread_match_the_pure_jitter(monkeypatch, helper_mode, mode,
                                                                             jittered):
    # two threads: from 16 jittered images (2 * JITTER_BLOCK) the helper thread takes blocks of
    # them in turn with the calling thread; when it is not to be had (mode 1) the call starts a
    # thread of its own from 128 (2 * JITTER_PER_THREAD), when it never comes (2) or comes for
    # one share only (4) the calling thread takes every block left
    fast = load_backend("fast")
    from pynet_fast import network

    monkeypatch.setattr(network, "QUERY_THREADS", 2)
    helper_mode(mode)
    picked = list(range(20 + jittered))  # 20 images as they are, then jittered copies
    random.Random(jittered).shuffle(picked)
    for _ in range(3):  # (with mode 4, the first call wakes the helper and the next ones find it spent)
        made, reference, state, pure_state = samples_both_ways(monkeypatch, picked, 20)
        monkeypatch.setattr(network, "QUERY_THREADS", 2)
        assert made == reference
        assert state == pure_state


@pytest.mark.serial  # waits for the helper thread: with no other tests beside it
def test_the_helper_thread_takes_blocks_of_jittered_images(monkeypatch):
    fast = load_backend("fast")
    from pynet_fast import network

    pixels = read_pixels("train", 20)[0]
    picked = list(range(20, 20 + 400))  # 400 jittered copies: 50 blocks
    before = fast._kernels._helper_jitter_blocks()
    for call in range(200):  # (the helper may be slow to come on a busy machine: a few calls at most)
        jitter = augment.Jitter(seed=call)
        monkeypatch.setattr(network, "QUERY_THREADS", 2)
        made = jitter.samples(pixels, picked, 20)
        if fast._kernels._helper_jitter_blocks() > before:
            break
    assert fast._kernels._helper_jitter_blocks() > before
    monkeypatch.setattr(augment, "_compiled", None)  # the last call's bytes are the pure jitter's
    assert augment.Jitter(seed=call).samples(pixels, picked, 20) == made
