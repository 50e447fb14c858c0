"""The file I/O around the model file: what ``load`` reads and how ``save`` writes.

``save`` must leave the old complete model or the new complete one whatever happens
(a write that fails midway, a full file system, a kill, another process saving to the
same path); ``load`` reads regular files only, and no more than they hold.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from bounded import child_env, expect_clean_error, run_bounded
from helpers import EXPECTED, snapshot


@pytest.fixture
def net(backend):
    return backend.NeuralNetwork(5, 4, 3, 0.3, seed=1)



def load_in_child(path, **limits):
    """``NeuralNetwork.load(path)`` in a bounded child (``bounded.run_bounded``), printing any error."""
    return run_bounded("""
        import pynet
        try:
            pynet.NeuralNetwork.load(%r)
        except (TypeError, ValueError) as error:
            print("ERROR %%s: %%s" %% (type(error).__name__, error))
    """ % str(path), **limits)


# -- load --------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_load_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(str(tmp_path / "pipe"))
    result = load_in_child(str(tmp_path / "pipe"), seconds=10)
    expect_clean_error(result, ["ValueError", "not a regular file"])


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/"])
def test_load_refuses_devices_and_directories(path):
    if not os.path.exists(path):
        pytest.skip(EXPECTED + "no %s here" % path)
    result = load_in_child(path, memory_mb=512, seconds=10)
    expect_clean_error(result, ["ValueError", "not a regular file"])


@pytest.mark.skipif(os.environ.get("PYNET_SANITIZER") == "asan", reason="needs RLIMIT_AS, which ASan cannot run under")
def test_load_of_a_file_larger_than_memory_allows_is_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.json"
    with open(str(huge), "wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: no disk used
    result = load_in_child(str(huge), memory_mb=600, seconds=20)
    expect_clean_error(result, ["ValueError", "314572800 bytes, more than a model file may be"])


def test_load_of_text_that_is_not_utf8(backend, tmp_path, net):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(net.to_dict()).encode("ascii").replace(b'"seed"', b'"s\xe9ed"'))
    with pytest.raises(ValueError, match=r"latin1.json is not a valid model file: it is not UTF-8 text \(byte \d+\)"):
        backend.NeuralNetwork.load(path)


def test_load_takes_bytes_and_pathlike_paths(backend, tmp_path, net):
    path = tmp_path / "model.json"
    net.save(path)
    assert snapshot(backend.NeuralNetwork.load(os.fsencode(str(path)))) == snapshot(net)
    assert snapshot(backend.NeuralNetwork.load(path)) == snapshot(net)


# -- save: names, permissions, links -------------------------------------------------------------


@pytest.mark.parametrize("length", [243, 250, 255])
def test_save_to_a_name_of_up_to_255_bytes(backend, tmp_path, net, length):
    name = ("m" * length)[:length - 5] + ".json"
    path = tmp_path / name
    net.save(str(path))
    assert snapshot(backend.NeuralNetwork.load(str(path))) == snapshot(net)
    net.save(str(path))  # over an existing file too
    assert sorted(os.listdir(str(tmp_path))) == [name]


def test_a_multibyte_name_of_255_bytes(backend, tmp_path, net):
    name = "é" * 125 + ".json"  # 250 + 5 bytes in UTF-8
    assert len(name.encode("utf-8")) == 255
    net.save(tmp_path / name)
    assert os.listdir(str(tmp_path)) == [name]


def test_save_with_a_bytes_path_writes_that_name(backend, tmp_path, net):
    path = os.fsencode(str(tmp_path / "bytes.json"))
    net.save(path)
    assert os.listdir(str(tmp_path)) == ["bytes.json"]
    assert snapshot(backend.NeuralNetwork.load(path)) == snapshot(net)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_save_keeps_an_existing_files_permissions(tmp_path, net, mode):
    path = tmp_path / "private.json"
    net.save(path)
    os.chmod(str(path), mode)
    net.save(path)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_new_file_gets_the_umask_permissions(tmp_path, net):
    old = os.umask(0o027)
    try:
        net.save(tmp_path / "new.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / "new.json")).st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_save_through_a_symlink_replaces_the_file_it_points_to(backend, tmp_path, net):
    real = tmp_path / "store" / "model.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    os.symlink(str(real), str(link))
    net.save(link)
    assert os.path.islink(str(link)) and os.readlink(str(link)) == str(real)
    assert snapshot(backend.NeuralNetwork.load(real)) == snapshot(net)
    assert sorted(os.listdir(str(real.parent))) == ["model.json"]


def test_save_refuses_to_replace_a_directory(tmp_path, net):
    (tmp_path / "model.json").mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        net.save(tmp_path / "model.json")
    assert os.listdir(str(tmp_path)) == ["model.json"]


# -- save: faults ------------------------------------------------------------------------------------

SAVE_BIG = """
import os, resource, signal, pynet
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
old = pynet.NeuralNetwork(3, 2, 1, 0.3, seed=1)
old.save({path!r})
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
big = pynet.NeuralNetwork(100, 100, 10, 0.3, seed=2)
try:
    big.save({path!r})
    print("SAVED")
except OSError as error:
    print("OSError", error.errno)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_write_that_fails_midway_leaves_the_old_model(pure, tmp_path):
    path = str(tmp_path / "model.json")
    result = run_bounded(SAVE_BIG.format(path=path, limit=64 * 1024), seconds=30)
    assert result.stdout.strip().startswith("OSError"), result.stdout + result.stderr
    assert snapshot(pure.NeuralNetwork.load(path)) == snapshot(pure.NeuralNetwork(3, 2, 1, 0.3, seed=1))
    assert os.listdir(str(tmp_path)) == ["model.json"]  # no temporary file left behind


@pytest.fixture
def small_filesystem(tmp_path):
    """A 128 KiB tmpfs (needs the right to mount; skipped without it)."""
    where = tmp_path / "small"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(where)],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE).returncode != 0:
        pytest.skip(EXPECTED + "cannot mount a small tmpfs here (needs root and mount rights)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)])


def test_a_full_file_system_leaves_the_old_model(pure, small_filesystem):
    path = small_filesystem / "model.json"
    old = pure.NeuralNetwork(3, 2, 1, 0.3, seed=1)
    old.save(path)
    with pytest.raises(OSError):
        pure.NeuralNetwork(200, 200, 10, 0.3, seed=2).save(path)  # about 560 KB
    assert snapshot(pure.NeuralNetwork.load(path)) == snapshot(old)
    assert os.listdir(str(small_filesystem)) == ["model.json"]


SAVER = """
import sys, pynet
a = pynet.NeuralNetwork(60, 40, 10, 0.3, seed=1)
b = pynet.NeuralNetwork(60, 40, 10, 0.3, seed=2)
a.save(sys.argv[1])  # the file exists before the parent's first kill or load, however slow the disk
print("ready", flush=True)
k = 1
while True:
    (a if k % 2 == 0 else b).save(sys.argv[1])
    k += 1
"""


def _models(pure):
    a = pure.NeuralNetwork(60, 40, 10, 0.3, seed=1)
    b = pure.NeuralNetwork(60, 40, 10, 0.3, seed=2)
    return snapshot(a), snapshot(b)


def _saver(path):
    process = subprocess.Popen([sys.executable, "-c", SAVER, path], env=child_env(), stdout=subprocess.PIPE,
                               universal_newlines=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def test_a_kill_during_save_leaves_a_complete_model(pure, tmp_path):
    path = str(tmp_path / "model.json")
    expected = _models(pure)
    for trial in range(12):
        process = _saver(path)
        time.sleep(0.05 + 0.017 * trial)
        process.kill()
        process.wait()
        process.stdout.close()
        assert snapshot(pure.NeuralNetwork.load(path)) in expected, "trial %d" % trial
    leftovers = [name for name in os.listdir(str(tmp_path)) if name != "model.json"]
    assert all(name.startswith(".pynet-") for name in leftovers)  # only a killed save's own temporary


def test_two_processes_saving_one_path(pure, tmp_path):
    path = str(tmp_path / "model.json")
    expected = _models(pure)
    savers = [_saver(path), _saver(path)]
    try:
        loads = 0
        deadline = time.time() + 3
        while time.time() < deadline:
            assert snapshot(pure.NeuralNetwork.load(path)) in expected
            loads += 1
    finally:
        for process in savers:
            process.kill()
            process.wait()
            process.stdout.close()
    assert loads > 10
    assert snapshot(pure.NeuralNetwork.load(path)) in expected


def test_a_model_file_nested_too_deeply_is_refused_before_parsing(tmp_path):
    # Python 3.8's JSON parser, out of stack, can end the process with a fatal error rather
    # than a RecursionError; the nesting is checked before the parser runs, in a child here
    # so that a fatal error fails this test instead of the whole run.
    path = tmp_path / "deep.json"
    path.write_text("[" * 200000 + "]" * 200000)
    import subprocess
    import sys
    code = ("import sys, pynet\n"
            "try:\n    pynet.NeuralNetwork.load(sys.argv[1])\n"
            "except ValueError as error:\n    print('ValueError', error)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "nested more than 64 deep" in result.stdout
