"""The source distribution is the whole project: it builds, installs with its compiled
backend, and trains, in a fresh environment with nothing but what it holds.

Slow (it compiles ``pynet_fast``), so it runs once per CI run, in the README's test
command; ``PYNET_SKIP_SDIST=1`` (the per-interpreter runs) skips it as expected.
"""

import os
import subprocess
import sys
import tarfile
import venv

import pytest

from helpers import ROOT, skip_expected


def run(command, cwd, timeout=900):
    result = subprocess.run(command, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=timeout)
    assert result.returncode == 0, "%s failed:\n%s" % (" ".join(map(str, command)), result.stdout[-4000:])
    return result.stdout


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    if os.environ.get("PYNET_SKIP_SDIST") == "1":
        skip_expected("PYNET_SKIP_SDIST=1: the sdist is checked in another run")
    if not (ROOT / "setup.py").exists():
        pytest.fail("the source tree %s has no setup.py" % ROOT)
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("sdist")
    run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)], cwd=out)
    (archive,) = sorted(out.glob("pynet-*.tar.gz"))
    return archive


def test_the_sdist_holds_the_licence_the_maths_and_the_sources(sdist):
    with tarfile.open(str(sdist)) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("LICENSE", "README.md", "docs/maths.md", "docs/speed.md", "setup.py", "pyproject.toml",
                   "pynet/network.py", "pynet_fast/_core.pxi", "pynet/app/data/train-images-idx3-ubyte.gz",
                   "package.json", "examples/board/digits8x8.py", "pynet/app/data/digits8x8-train.bin",
                   "pynet/app/page.html"):
        assert needed in names, "%s is not in the sdist" % needed
    assert not any(name.endswith((".so", ".c")) for name in names)


def test_the_sdist_installs_compiles_and_trains_in_a_fresh_environment(sdist, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(str(env_dir))
    python = env_dir / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", str(sdist)], cwd=tmp_path)
    # the compiled backend was built from the sdist, and the licence went into the wheel
    script = ("import glob, os, pynet, pynet_fast; "
              "site = os.path.dirname(os.path.dirname(pynet.__file__)); "
              "print(pynet_fast.KERNELS, bool(glob.glob(os.path.join(site, 'pynet-*.dist-info', '**', 'LICENSE*'),"
              " recursive=True)))")
    kernels, licence = run([python, "-c", script], cwd=tmp_path).split()
    assert kernels in ("portable", "avx2", "avx512", "native") and licence == "True"
    output = run([env_dir / "bin" / "pynet", "train", "--epochs", "1", "--limit", "2000", "--seed", "1",
                  "--quiet", "--save", str(tmp_path / "model.json")], cwd=tmp_path)
    assert "backend fast" in output and "test accuracy" in output
    accuracy = float(output.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 80.0, output
