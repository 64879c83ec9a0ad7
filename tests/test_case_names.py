"""Document cases by name on the command line: one spelling for built-in cases and shipped
case files, found from any folder, a local file first, and the nearest names offered."""

from __future__ import annotations

import pytest
from chaingrad.autograd.verification import verify
from chaingrad.nn.app.case_names import case_file, drawing_target
from chaingrad.nn.app.cli import main
from chaingrad.nn.checks import NAMES_SHOWN, nearest_names, unknown_name_hint
from chaingrad.nn.documents.casefiles import SHIPPED_CASE_FILES, case_name, shipped_case_files
from chaingrad.nn.documents.catalog import CASES

BLOG = SHIPPED_CASE_FILES / "seed001_blog.toml"
SMALL_CASE = 'title = "my own"\n[inputs]\nx = 2.0\n[equations]\ny = "x*x"\n[claims]\n"dy/dx" = 4\n'


@pytest.mark.parametrize("name", ["seed001_blog", "seed001-blog", "seed001_blog.toml",
                                  "seed001-blog.toml"])  # fmt: skip
def test_a_shipped_case_is_verified_by_name_from_any_folder(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", name]) == 1  # the blog's wrong derivatives
    assert capsys.readouterr().out == f"{verify(BLOG)}\n"


def test_a_local_file_of_the_same_name_comes_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seed001_blog.toml").write_text(SMALL_CASE, encoding="utf-8")
    for name in ("seed001_blog", "seed001_blog.toml"):
        assert case_file(name) == tmp_path.joinpath(name).with_suffix(".toml").relative_to(tmp_path)
        assert main(["verify", name]) == 0
        assert capsys.readouterr().out.startswith("my own\n")
    assert main(["verify", "seed001-blog"]) == 1  # another spelling: the shipped one
    assert drawing_target("seed001_blog") == tmp_path.joinpath("seed001_blog.toml").relative_to(
        tmp_path
    )


def test_draw_finds_built_in_cases_and_shipped_files_by_either_spelling(tmp_path, capsys):
    assert drawing_target("seed001_blog") is CASES["seed001-blog"]
    assert drawing_target("seed002_matrix_form") == SHIPPED_CASE_FILES / "seed002_matrix_form.toml"
    argv = ["draw", "seed002-elementwise", "--format", "dot", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert (tmp_path / "seed002_elementwise-expressions.dot").is_file()
    assert main(["draw", "seed000_case3", "--format", "dot", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "seed000-case3-network.dot").is_file()


def test_cases_lists_every_case_once_by_one_spelling(capsys):
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    rows = [line.split()[0] for line in out.split("\n\n")[0].splitlines()[1:]]
    assert rows == sorted({*CASES, *shipped_case_files()})
    assert all(name == case_name(name) for name in rows)  # hyphens, no .toml
    for name, path in shipped_case_files().items():
        assert f"{path.name}  " in out and case_file(name) == path
    assert "hyphens or underscores" in out and "current folder comes before" in out


def test_unknown_names_offer_the_nearest(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "seed01_blog"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'seed001-blog'? the shipped case files, nearest first: seed001-blog" in err
    assert main(["draw", "seed003-xr", "--out", str(tmp_path)]) == 2
    assert "did you mean 'seed003-xor'?" in capsys.readouterr().err
    assert main(["draw", str(BLOG), "--wrt", "xl", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--wrt xl: seed001_blog.toml defines no node of that name; did you mean 'x1'?" in err
    assert main(["draw", "seed000-case3", "--wrt", "w11", "--out", str(tmp_path)]) == 2
    assert "did you mean 'w_{11}^{(" in capsys.readouterr().err  # either layer's w11


def test_nearest_names_read_look_alikes_and_notation():
    assert nearest_names("xl", ["w1", "x2", "x1"])[0] == ("x1", 1.0)
    assert nearest_names("W11", ["w_{12}^{(1)}", "w_{11}^{(1)}"])[0][0] == "w_{11}^{(1)}"
    assert [n for n, _ in nearest_names("b", ["a", "b", "c"])] == ["b", "a", "c"]  # ties: order


def test_a_long_list_shows_the_nearest_then_a_count():
    names = [f"w{i}" for i in range(1, 41)] + ["x1", "x2"]
    hint = unknown_name_hint("xl", names)
    assert hint.startswith("did you mean 'x1'? the names, nearest first: x1, x2, ")
    shown = hint.split(": ", 1)[1].split(" (and ")[0].split(", ")
    assert len(shown) == NAMES_SHOWN and hint.endswith(f"(and {len(names) - NAMES_SHOWN} more)")
    assert unknown_name_hint("zzz", ["a", "b"]) == "the names, nearest first: a, b"
    assert unknown_name_hint("a", [], "the cases") == "there are no cases"
