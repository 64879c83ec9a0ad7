"""The README as a user reads it: every ```python block runs as written, in order, in one
namespace, and the numbers its comments promise are the ones it prints.

Blocks that are only illustrations are fenced as ```text (or ```toml, ```sh) and not run.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", README.read_text(encoding="utf-8"), re.S | re.M)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_the_readme_has_its_python_blocks():
    assert len(BLOCKS) >= 6
    fences = re.findall(r"^```(\S*)$", README.read_text(encoding="utf-8"), re.M)
    assert len(fences) % 2 == 0, "an unclosed ``` fence would hide blocks from this test"


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str], list[int]]:
    """Run every block in order in a fresh folder: (namespace, stdout per block, blocks
    skipped because they need torch and torch is not installed)."""
    import contextlib
    import io
    import os

    from chaingrad.autograd import ops

    registered = set(ops.operations())  # the README adds an op: removed again below
    folder = tmp_path_factory.mktemp("readme")
    namespace: dict = {"__name__": "__readme__"}
    printed: list[str] = []
    without_torch: list[int] = []
    before = Path.cwd()
    os.chdir(folder)
    try:
        for i, block in enumerate(BLOCKS, 1):
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(block, f"README.md, python block {i}", "exec"), namespace)
            except ImportError as error:  # nn.to_torch says what to install, in its words
                if HAS_TORCH or "torch" not in str(error):
                    raise
                without_torch.append(i)
            printed.append(out.getvalue())
    finally:
        os.chdir(before)
        for operation in set(ops.operations()) - registered:
            ops.unregister(operation)
    return namespace, printed, without_torch


def test_every_python_block_runs_in_order(readme_run):
    _, printed, without_torch = readme_run
    assert len(printed) == len(BLOCKS)
    if without_torch:
        pytest.skip(
            f"README python block(s) {without_torch} need PyTorch, which is not installed "
            "(pip install 'chaingrad[torch]'); every other block ran"
        )


def test_the_first_block_prints_what_its_comments_say(readme_run):
    namespace, printed, _ = readme_run
    assert printed[0].splitlines()[0] == "Value(0.3349, grad=0.3249, label='out_n9')"
    assert namespace["w"].grad == pytest.approx(0.0014255, abs=5e-8)


def test_the_drawing_block_explains_the_blog_numbers(readme_run):
    namespace, printed, _ = readme_run
    block = next(i for i, b in enumerate(BLOCKS) if "explain(" in b)
    assert "= 0.7935 · 0.1579 · 0.7 · 1 · 0.343 = 0.03008" in printed[block]
    assert namespace["loss"].label == "E_total"


def test_the_training_block_reaches_its_accuracy(readme_run):
    namespace, _, _ = readme_run
    assert namespace["history"]["val_accuracy"][-1] >= 0.95


def test_the_anomaly_block_reports_the_overflow(readme_run):
    _, printed, _ = readme_run
    block = next(i for i, b in enumerate(BLOCKS) if "detect_anomaly" in b)
    assert printed[block].startswith("*: its result is inf; created at README.md, python block")
    assert "'a' (node #" in printed[block]


def test_the_op_block_adds_an_op_that_is_drawn_checked_and_verified(readme_run):
    _, printed, _ = readme_run
    block = next(i for i, b in enumerate(BLOCKS) if "elementwise(" in b)
    lines = printed[block].splitlines()
    assert lines[0] == "gradcheck passed: 1 entry checked"
    assert lines[1] == "True"
    assert lines[2] == "{'ok': 2, 'rounding': 0, 'wrong': 0}"


def test_the_notebook_block_prints_the_table_and_returns_the_drawing(readme_run):
    namespace, printed, _ = readme_run
    block = next(i for i, b in enumerate(BLOCKS) if "nn.draw_case(" in b)
    lines = printed[block].splitlines()
    assert lines[0] == "a sigmoid unit"
    assert "summary: 1 ok, 0 rounding, 1 wrong" in lines
    assert any("diagnosis: the claim is half the correct value 0.3932" in line for line in lines)
    assert type(namespace["picture"]).__name__ == "Digraph" and "w7" in namespace["picture"].source
    assert "<table>" in namespace["result"]._repr_html_()


def test_the_tracing_block_replays_and_prints_the_listing_shown(readme_run):
    namespace, printed, _ = readme_run
    step = namespace["step"]
    assert (step.replays, step.normal) == (5, 1)
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Tracing a training step") :]
    shown = re.search(r"^```text\n(.*?)^```$", section, re.S | re.M).group(1)
    block = next(p for p in printed if p.startswith("5 1\n"))
    assert block == "5 1\n" + shown
