"""The explorer's pages in a real browser: headless Chromium, driven by Playwright.

Every page is opened with all network requests blocked and recorded (any request fails
the test), and any JavaScript error (a console error or an uncaught exception) fails it
too. The tests click nodes as a user does and read the tables and highlights off the
page, step through the whole backward pass, and compare what is shown with `chain_rule`
(the numbers `explain` prints) and `backward()`. One browser serves the whole module.

Needs the Python package `playwright` (the ``test`` extra) and Debian's Chromium at
/usr/bin/chromium (``make test`` installs it with apt-get when run as root), or the
browser named by CHAINGRAD_CHROMIUM; without them the tests skip, saying which is missing.
No browser is downloaded. Screenshots go to each test's tmp_path; set
CHAINGRAD_EXPLORER_SHOTS to a folder to keep copies there.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from chaingrad.autograd.graph import topological_order
from chaingrad.autograd.tensor import Tensor
from chaingrad.nn.app.explorer import write_page
from chaingrad.nn.app.explorer.steps import record_backward
from explorer_pages import expected_table, page_json, subjects

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the Python package playwright is not installed: pip install -e '.[test]'",
)

CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The pages the tests open: three built-in cases, a scalar and a Tensor case file.
PAGES = ["seed001-blog", "seed000-case3", "seed004-softmax", "seed003_two_layer.toml"]
TENSOR_PAGE = "seed002_matrix_form.toml"
SUBJECTS = subjects()
CLICKS = 20
"""The most nodes one test clicks on."""


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: 'make test' installs it as root with apt-get "
            "(apt-get install chromium), or set CHAINGRAD_CHROMIUM to a Chromium binary"
        )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The pages, written once: name -> (file, the subject after its backward pass)."""
    folder = tmp_path_factory.mktemp("explore")
    written = {}
    for name in [*PAGES, TENSOR_PAGE]:
        subject = SUBJECTS[name]()
        written[name] = (write_page(subject, folder / f"{name}.html"), subject)
    return written


class Opened:
    """A page in the browser, and what went wrong on it (requests, script errors)."""

    def __init__(self, page, path: Path, subject) -> None:
        self.page = page
        self.subject = subject
        self.data = page_json(path.read_text(encoding="utf-8"))

    def view(self, name: str) -> None:
        self.page.click(f"#tab-{name}")
        assert self.page.evaluate("document.body.dataset.view") == name

    def selectables(self) -> list[str]:
        """Selectors for everything a click selects in the current view."""
        return self.page.eval_on_selector_all(
            "#drawing .selectable",
            """els => els.map(el => el.dataset.weight !== undefined
                ? `[data-edge="${el.dataset.edge}"] text`
                : `[data-key="${el.dataset.key}"]`)""",
        )

    def shown(self) -> dict:
        """The table, the sum and the lit elements, as the page shows them."""
        return self.page.evaluate(READ_SELECTION)

    def step(self) -> int:
        return int(self.page.evaluate("document.body.dataset.step"))

    def wait_until(self, condition: str, seconds: float = 10) -> None:
        """Wait until the JavaScript expression `condition` is true. (Playwright's own
        wait_for_function evaluates strings inside the page, which its
        Content-Security-Policy forbids, as it should.)"""
        for _ in range(int(seconds * 20)):
            if self.page.evaluate(condition):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"still false after {seconds} s: {condition}")

    def shot(self, tmp_path: Path, name: str) -> None:
        path = tmp_path / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        keep = os.environ.get("CHAINGRAD_EXPLORER_SHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)


READ_SELECTION = """() => ({
  rows: Array.from(document.querySelectorAll('#paths [data-path]')).map(tr => ({
    factors: Array.from(tr.querySelectorAll('.factor')).map(f => f.textContent),
    exactFactors: Array.from(tr.querySelectorAll('.factor')).map(f => Number(f.dataset.factor)),
    product: tr.querySelector('.product').textContent,
    exactProduct: Number(tr.dataset.product),
  })),
  sum: document.getElementById('sum').textContent,
  exactSum: JSON.parse(document.getElementById('sum').dataset.exact || 'null'),
  grad: JSON.parse(document.querySelector('#grad output')?.dataset.exact || 'null'),
  litEdges: Array.from(document.querySelectorAll('#drawing .edge.on-path'))
    .map(e => [e.dataset.from, e.dataset.to, Number(e.dataset.edge)]),
  litNodes: Array.from(document.querySelectorAll('#drawing .node.on-path')).map(n => n.dataset.key),
  selected: Array.from(document.querySelectorAll('#drawing .selected'))
    .map(n => n.dataset.key || `edge${n.dataset.edge}`),
})"""


@pytest.fixture
def open_page(browser, site, request):
    """Open a page by name (a fresh browser context); fail on any request or script error."""
    problems: list[str] = []
    contexts = []

    def opening(name: str, width: int = 1366, height: int = 768) -> Opened:
        path, subject = site[name]
        phone = width < 600
        context = browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
        )
        contexts.append(context)

        def route(handled) -> None:
            if handled.request.url.startswith("file://"):
                handled.continue_()
            else:
                problems.append(f"request: {handled.request.url}")
                handled.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(path.as_uri())
        opened = Opened(page, path, subject)
        opened.wait_until("document.body.dataset.ready === '1'")
        return opened

    yield opening
    for context in contexts:
        context.close()
    assert problems == [], problems


def expected_edges(table: dict, names: dict[int, str]) -> set[tuple[str, str]]:
    """The (from, to) labels of the drawn edges on the table's paths, in a sketch view."""
    return {
        (names[route[i + 1]], names[route[i]])
        for row in table["rows"]
        for route in [row["route"]]
        for i in range(len(route) - 1)
    }


@pytest.mark.parametrize(
    ("name", "view"),
    [
        ("seed001-blog", "network"),
        ("seed001-blog", "ops"),
        ("seed004-softmax", "expressions"),
        ("seed003_two_layer.toml", "expressions"),
    ],
)
def test_a_click_lists_the_paths_explain_lists(open_page, tmp_path, name, view):
    opened = open_page(name)
    opened.view(view)
    part = opened.data["views"][view]
    keys = {f'[data-key="{k}"]': k for k in part["selections"]}
    keys.update({f'[data-edge="{k[4:]}"] text': k for k in part["selections"] if k[:4] == "edge"})
    labels = dict(
        opened.page.eval_on_selector_all(
            "#drawing [data-key]", "els => els.map(el => [el.dataset.key, el.dataset.node])"
        )
    )
    names = {  # node index -> the data-node of its drawn node in this view
        opened.data["tables"][selection["table"]]["target"]: labels[key]
        for key, selection in part["selections"].items()
        if not key.startswith("edge")
    }
    clicked = 0
    everything = opened.selectables()
    # A spread of at most CLICKS of them (tests/test_explore.py checks every table of every
    # page without a browser; here, what a click shows)
    chosen = everything[:: max(1, math.ceil(len(everything) / CLICKS))]
    for selector in chosen:
        opened.page.click(f"#drawing {selector}")
        key = keys[selector]
        table = opened.data["tables"][part["selections"][key]["table"]]
        expected = expected_table(opened.subject, table["target"], view != "ops")
        shown = opened.shown()
        assert [r["factors"] for r in shown["rows"]] == [r["factors"] for r in expected["rows"]]
        assert [r["exactFactors"] for r in shown["rows"]] == [
            r["exactFactors"] for r in expected["rows"]
        ]
        assert [(r["product"], r["exactProduct"]) for r in shown["rows"]] == [
            (r["product"], r["exactProduct"]) for r in expected["rows"]
        ]
        assert (shown["sum"], shown["exactSum"]) == (expected["total"], expected["exactTotal"])
        assert shown["grad"] == expected["exactGrad"]
        assert math.isclose(shown["exactSum"], shown["grad"], rel_tol=1e-12, abs_tol=1e-15)
        assert shown["selected"] == [key]
        if view == "network":
            assert sorted(e[2] for e in shown["litEdges"]) == sorted(
                part["selections"][key]["edges"]
            )
        else:
            lit = {(a, b) for a, b, _ in shown["litEdges"]}
            assert lit == expected_edges(table, names)
        clicked += 1
    assert clicked == len(chosen) and len(everything) == len(part["selections"])
    opened.shot(tmp_path, f"click-{name}-{view}")


def test_the_background_and_escape_clear_the_selection(open_page):
    opened = open_page("seed001-blog")
    opened.page.click('#drawing [data-node="out_n3"]')
    assert len(opened.shown()["rows"]) == 3
    box = opened.page.locator("#drawing svg").bounding_box()
    opened.page.mouse.click(box["x"] + 5, box["y"] + 5)  # a corner: no node, no edge
    shown = opened.shown()
    assert shown["rows"] == [] and shown["litEdges"] == [] and shown["sum"] == ""
    opened.page.click('#drawing [data-node="out_n3"]')
    opened.page.keyboard.press("Escape")
    assert opened.shown()["rows"] == []


def grad_rows(opened: Opened) -> dict[str, object]:
    """Each drawn node's grad row: data-node -> the gradient it shows, exactly."""
    return opened.page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#drawing [data-grad]'))
            .map(el => [el.closest('[data-key]').dataset.key, JSON.parse(el.dataset.gradValue)]))"""
    )


def drawn_nodes(opened: Opened, view: str) -> dict[str, int]:
    """data-key -> node index, for the drawn nodes with a grad row."""
    return opened.data["views"][view]["grads"]


@pytest.mark.parametrize("view", ["network", "expressions", "ops"])
def test_stepping_walks_the_engines_backward_pass(open_page, tmp_path, view):
    opened = open_page("seed001-blog")
    opened.view(view)
    record = record_backward(SUBJECTS["seed001-blog"]().root)  # an independent recording
    steps = int(opened.page.evaluate("document.body.dataset.steps"))
    assert steps == len(record.steps) and opened.step() == steps
    rows = drawn_nodes(opened, view)
    opened.page.click("#first")
    assert opened.step() == 0
    state: dict[int, float | None] = {len(record.order) - 1: record.seed}
    for k in range(steps + 1):
        if k:
            opened.page.click("#next")
            state.update(record.steps[k - 1].grads)
            processed = record.order[record.steps[k - 1].node]
            assert (
                processed.label is None
                or view == "network"
                or opened.page.locator(
                    f'#drawing .node.active[data-node="{processed.label}"]'
                ).count()
                == 1
            )
        assert opened.step() == k
        shown = grad_rows(opened)
        assert shown == {key: state.get(i) for key, i in rows.items()}
        if k == 10:
            opened.shot(tmp_path, f"step-{view}-{k}")
    # the end of the walk is backward()'s own gradients
    fresh = SUBJECTS["seed001-blog"]().root
    order = topological_order(fresh)
    for node in order:
        node._zero_grad()
    fresh.backward()
    assert grad_rows(opened) == {key: order[i].grad for key, i in rows.items()}
    assert opened.page.is_disabled("#next") and not opened.page.is_disabled("#prev")


def test_the_tensor_page_steps_through_arrays(open_page, tmp_path):
    opened = open_page(TENSOR_PAGE)
    assert opened.page.evaluate("document.body.dataset.view") == "expressions"
    rows = drawn_nodes(opened, "expressions")
    opened.page.keyboard.press("Home")
    steps = int(opened.page.evaluate("document.body.dataset.steps"))
    for _ in range(steps):
        opened.page.keyboard.press("ArrowRight")
    assert opened.step() == steps
    fresh = SUBJECTS[TENSOR_PAGE]().root
    order = topological_order(fresh)
    for node in order:
        node._zero_grad()
    fresh.backward()
    shown = grad_rows(opened)
    for key, i in rows.items():
        assert np.array_equal(np.array(shown[key]), order[i].grad), key
    opened.page.click('#drawing [data-node="W1"]')
    table = opened.page.locator("#paths [data-path]")
    assert table.count() == 1 and "∂" in table.inner_text()
    grad = json.loads(opened.page.get_attribute("#grad output", "data-exact"))
    assert isinstance(order[0], Tensor)
    w1 = next(n for n in order if n.label == "W1")
    assert np.array_equal(np.array(grad), w1.grad)
    opened.shot(tmp_path, "tensor-expressions-W1")


def test_play_runs_and_pauses(open_page):
    opened = open_page("seed000-case3")
    opened.page.click("#first")
    opened.page.click("#play")
    assert opened.page.get_attribute("#play", "aria-pressed") == "true"
    opened.wait_until("Number(document.body.dataset.step) >= 2")
    opened.page.click("#play")
    paused = opened.step()
    opened.page.wait_for_timeout(1200)
    assert opened.step() == paused and opened.page.get_attribute("#play", "aria-pressed") == "false"


def test_the_keyboard_alone_explores(open_page):
    opened = open_page("seed001-blog")
    opened.view("expressions")
    opened.page.focus('#drawing [data-node="w7"]')
    opened.page.keyboard.press("Enter")
    assert opened.shown()["selected"] and len(opened.shown()["rows"]) == 1
    opened.page.keyboard.press("ArrowLeft")
    assert opened.step() == int(opened.page.evaluate("document.body.dataset.steps")) - 1
    opened.page.keyboard.press("Home")
    assert opened.step() == 0
    opened.page.keyboard.press("Escape")
    assert opened.shown()["rows"] == []
    # every selectable node can be reached with Tab
    assert opened.page.eval_on_selector_all(
        "#drawing .selectable", "els => els.every(el => el.tabIndex === 0)"
    )


def test_switching_views_keeps_the_selection(open_page):
    opened = open_page("seed001-blog")
    opened.page.click('#drawing [data-weight="w1"] text')
    network = opened.shown()
    opened.view("expressions")
    expressions = opened.shown()
    assert expressions["sum"] == network["sum"] and len(expressions["rows"]) == 3
    opened.view("ops")
    assert opened.shown()["sum"] == network["sum"]


def test_a_phone_can_read_the_page(open_page, tmp_path):
    opened = open_page("seed001-blog", width=390, height=844)
    width = opened.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing sticks out: the drawing and the tables scroll inside
    opened.page.click('#drawing [data-node="out_n3"]')
    assert len(opened.shown()["rows"]) == 3
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= 390
    opened.shot(tmp_path, "phone-seed001-blog")
