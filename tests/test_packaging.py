"""chaingrad installs as one import package, `chaingrad`, and lives beside HIPS autograd.

The coexistence test builds a fresh virtual environment, installs HIPS `autograd` from the
package index first, then a plain (non-editable) install of this checkout, and checks, in
separate processes: both packages work (also in one process), nothing answers ``import nn``,
a user's own ``nn.py`` does not shadow ``chaingrad.nn``, every module and data file (the
digits, the case files, the case-file reference) made it into the wheel, ``chaingrad
--version`` reads the metadata, and ``pip uninstall chaingrad`` leaves HIPS autograd working.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chaingrad import __version__

try:
    import tomllib
except ImportError:  # Python 3.10: the tomli backport, a dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _package_folders() -> dict[str, str]:
    """Every folder with an ``__init__.py`` under the mapped folders, by its import name."""
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    found = {}
    for name, folder in mapping.items():
        base = ROOT / folder
        for init in sorted(base.rglob("__init__.py")):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(base).parts
            found[".".join((name, *relative))] = str(init.parent.relative_to(ROOT))
    return found


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert set(_package_folders()) == listed


def test_only_chaingrad_is_a_top_level_package():
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert {name.split(".")[0] for name in mapping} == {"chaingrad"}
    assert PYPROJECT["project"]["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["scripts"]["chaingrad"].startswith("chaingrad.")


def test_the_version_comes_from_the_metadata():
    assert __version__ == PYPROJECT["project"]["version"]
    done = subprocess.run(
        [sys.executable, "-m", "chaingrad", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"chaingrad {__version__}"


HIPS_EXPECTED = math.cos(1.5) * 1.5**2 + 2 * 1.5 * math.sin(1.5)  # d/dx sin(x) x², x = 1.5

# What runs inside the fresh environment, each in its own process (a clean import state).
_HIPS_WORKS = """
import json
from autograd import grad
import autograd.numpy as anp
print(json.dumps({"hips": grad(lambda x: anp.sin(x) * x ** 2)(1.5)}))
"""
_BOTH_WORK = """
import json, pkgutil, importlib
from autograd import grad
import chaingrad, chaingrad.autograd, chaingrad.nn
from chaingrad.autograd import Tensor, Value
from chaingrad import nn
x = Value(3.0, label="x")
(x * x).backward()
t = Tensor([1.0, 2.0], requires_grad=True)
(t * t).sum().backward()
every = pkgutil.walk_packages(chaingrad.__path__, "chaingrad.")
modules = sorted(m.name for m in every if not m.name.endswith("__main__"))
for name in modules:
    importlib.import_module(name)
images, labels = nn.load_digits()
from pathlib import Path
blog = next(Path(chaingrad.nn.__file__).parent.rglob("seed001_blog.toml"))  # shipped case file
result = chaingrad.autograd.verify(blog)
from chaingrad.nn.app.help import reference  # the reference, a Markdown file shipped as data
from importlib.resources import files
explorer = files("chaingrad.nn.app.explorer")
print(json.dumps({
    "explorer_assets": [explorer.joinpath(f).is_file() for f in ("explorer.js", "explorer.css")],
    "hips": grad(lambda v: v ** 3)(2.0),
    "value_grad": x.grad,
    "tensor_grad": t.grad.tolist(),
    "modules": modules,
    "digits": list(images.shape),
    "blog_wrong": result.summary["wrong"],
    "reference": reference("expressions").startswith("## Expressions"),
    "file": chaingrad.__file__,
}))
"""
_NO_TOP_LEVEL_NN = """
import json, importlib.util
print(json.dumps({name: importlib.util.find_spec(name) is not None for name in ("nn",)}))
"""
_OWN_NN_PY = """
import json
import nn                      # the student's own nn.py, in the working folder
from chaingrad import nn as chaingrad_nn
print(json.dumps({"own": nn.MINE, "ours": hasattr(chaingrad_nn, "MLP")}))
"""


def _run(python: Path, code: str, cwd: Path) -> dict:
    done = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
    )


def test_installs_beside_hips_autograd_and_uninstalls_cleanly(tmp_path):
    venv = tmp_path / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    work = tmp_path / "work"  # a neutral working folder: not this checkout
    work.mkdir()

    hips = _pip(python, "install", "autograd")
    if hips.returncode != 0:
        pytest.skip(f"cannot install HIPS autograd from the package index: {hips.stderr[-500:]}")
    assert _run(python, _HIPS_WORKS, work)["hips"] == pytest.approx(HIPS_EXPECTED)

    ours = _pip(python, "install", str(ROOT))  # plain, non-editable: a wheel built from here
    assert ours.returncode == 0, ours.stderr[-3000:]

    both = _run(python, _BOTH_WORK, work)
    assert both["hips"] == 12.0
    assert both["value_grad"] == 6.0 and both["tensor_grad"] == [2.0, 4.0]
    assert both["file"].startswith(str(venv)), "chaingrad was not imported from the install"
    assert "chaingrad.autograd" in both["modules"] and "chaingrad.nn.app.cli" in both["modules"]
    assert both["digits"] == [1797, 64] and both["blog_wrong"] > 0 and both["reference"]
    assert both["explorer_assets"] == [True, True]  # the explorer's script and style
    assert _run(python, _HIPS_WORKS, work)["hips"] == pytest.approx(HIPS_EXPECTED)
    assert _run(python, _NO_TOP_LEVEL_NN, work) == {"nn": False}

    own = tmp_path / "student"
    own.mkdir()
    (own / "nn.py").write_text("MINE = True\n")
    assert _run(python, _OWN_NN_PY, own) == {"own": True, "ours": True}

    version = subprocess.run([str(venv / "bin" / "chaingrad"), "--version"], capture_output=True)
    assert version.stdout.decode().strip() == f"chaingrad {PYPROJECT['project']['version']}"

    record = next((venv / "lib").glob("python*/site-packages/chaingrad-*.dist-info/RECORD"))
    tops = {line.split("/")[0] for line in record.read_text().splitlines() if line}
    assert {t for t in tops if not t.startswith(("chaingrad", ".."))} == set(), tops

    gone = _pip(python, "uninstall", "-y", "chaingrad")
    assert gone.returncode == 0, gone.stderr
    assert _run(python, _HIPS_WORKS, work)["hips"] == pytest.approx(HIPS_EXPECTED)
    site = record.parents[1]
    assert not (site / "chaingrad").exists()
    assert (site / "autograd" / "__init__.py").exists()
