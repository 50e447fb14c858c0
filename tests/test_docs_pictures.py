"""The README's pictures are what the commands it shows make, on the bundled data."""

from pathlib import Path

from helpers import load_backend, read_rgb_png as rgb_png, run_cli as run_main

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_tour_pictures_are_made_by_the_tour_commands(tmp_path):
    load_backend("fast")  # 13 epochs of 784-200-10: minutes in pure Python, seconds compiled
    model = str(tmp_path / "model.json")
    commands = [
        ["train", "--hidden", "200", "--lr", "0.1", "--epochs", "10", "--shuffle", "--seed", "1", "--validation",
         "1000", "--keep", "best", "--save", model, "--plot", str(tmp_path / "curve.png"), "--quiet"],
        ["train", "--resume", model, "--lr", "0.05", "--epochs", "3", "--shuffle", "--seed", "2", "--validation",
         "1000", "--keep", "best", "--save", model, "--quiet"],
        ["evaluate", model, "--misclassified", str(tmp_path / "misclassified.png")],
        ["backquery", model, "--grid", str(tmp_path / "backquery.png")],
    ]
    for argv in commands:
        code, out, err = run_main(argv + ["--backend", "fast"])
        assert code == 0, err
    for name in ("curve.png", "misclassified.png", "backquery.png"):
        made = rgb_png((tmp_path / name).read_bytes())
        assert made == rgb_png((DOCS / name).read_bytes()), name  # the pixels (zlib's bytes may differ)
