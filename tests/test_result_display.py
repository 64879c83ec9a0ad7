"""Results in Python and in notebooks: ``print(result)`` shows the table the command line
prints, and ``_repr_html_`` (what Jupyter shows) the same content as HTML, everything
escaped. For `VerifyResult`, `Comparison` and `GradcheckResult`."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from chaingrad.autograd import Tensor, Value, compare, gradcheck, verify
from chaingrad.nn.app.cli import main

BLOG = Path(__file__).resolve().parents[1] / "nn" / "documents" / "seed001_blog.toml"
HOSTILE_TITLE = "<script>alert('x')</script> & co"
CASE = {
    "title": HOSTILE_TITLE,
    "inputs": {"x": 2.0},
    "parameters": {"w": 0.5},
    "equations": {"y": "w*x", "E": "0.5*y**2"},
    "claims": {"y": 1.0, "dE/dw": 3.0},
}


class _Tags(HTMLParser):
    """The tags of an HTML fragment, and whether every opened tag was closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.open: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.balanced = self.balanced and bool(self.open) and self.open.pop() == tag


def tags(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    assert parser.balanced and not parser.open, fragment
    return parser


def test_print_of_a_verify_result_is_what_chaingrad_verify_prints(capsys):
    result = verify(BLOG)
    assert str(result) == result.text()
    assert not str(result).startswith("VerifyResult(")
    assert main(["verify", str(BLOG)]) == 1
    assert capsys.readouterr().out == f"{result}\n"


def test_a_verify_result_in_a_notebook_is_an_escaped_html_table():
    result = verify(CASE)
    fragment = result._repr_html_()
    assert {"table", "tr", "td", "h3"} <= set(tags(fragment).seen)
    assert "<script>" not in fragment
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in fragment
    assert '<tr class="wrong"><td>wrong</td><td>derivative</td><td>dE/dw</td>' in fragment
    assert "summary: 1 ok, 0 rounding, 1 wrong" in fragment
    # the page written by --report has the same body
    assert result._repr_html_().split("</h3>", 1)[1] in result.html()


def test_print_of_a_comparison_is_its_table():
    comparison = compare(
        {"w": "0.0850", "x": 0.25}, lambda w, x: (w * x).named("y"), {"w": 0.25, "x": 0.5}
    )
    text = str(comparison)
    assert text == comparison.text() and not text.startswith("Comparison(")
    assert text.splitlines()[0].split() == [
        "derivative",
        "hand",
        "autodiff",
        "finite",
        "diff.",
        "status",
    ]
    fragment = comparison._repr_html_()
    assert {"table", "th", "td", "h2", "pre"} <= set(tags(fragment).seen)
    assert "<td>0.0850</td>" in fragment and "wrong: derivative w" in fragment


def test_a_comparison_of_arrays_lists_the_disagreeing_entries_in_both_forms():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    comparison = compare({"W": w.T.tolist()}, lambda W: (W * W).sum(), {"W": w / 2})
    assert "W[0, 1]" in str(comparison) and "W[0, 1]" in comparison._repr_html_()


def test_print_of_a_gradcheck_result_is_its_table_and_html_escapes_labels():
    def broken(a):  # a * (a's data, a constant): autodiff gives a, the truth is 2a
        return (a * a.data).sum()

    result = gradcheck(broken, Tensor([1.0, 2.0], requires_grad=True, label="<a&b>"))
    assert not result
    assert str(result).startswith("gradcheck failed: 2 entries of 2 disagree")
    assert "<a&b>" in str(result)
    fragment = result._repr_html_()
    assert set(tags(fragment).seen) >= {"p", "table", "tr", "th", "td"}
    assert "&lt;a&amp;b&gt;" in fragment and "<a&b>" not in fragment
    passed = gradcheck(lambda v: v * v, Value(3.0))
    assert passed._repr_html_() == "<p>gradcheck passed: 1 entry checked</p>"
    at_kink = gradcheck(lambda v: v.relu(), Value(0.0))._repr_html_()
    assert "1 entry at a kink (x ± h crosses it; not failed):</p><table>" in at_kink
