"""``chaingrad help``: the reference of the case-file language is complete and current.

The lists checked here come from the loader and the engine themselves (the tables it
accepts, the keys its errors list, the op registry, the limits, the JSON it writes), so a
new key, function or limit without documentation fails a test.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest
from chaingrad.autograd.verification import (
    CaseFileError,
    Settings,
    budget,
    casefile,
    casetext,
    claim_diagnoses,
    diagnose,
    expr,
    settings_table,
    textscan,
    tolerance,
    verify,
)
from chaingrad.autograd.verification.tolerance import STATUSES
from chaingrad.nn.app.cli import main
from chaingrad.nn.app.help import OWNERS, REFERENCE, TOPICS, number_text, reference, section

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
RAW = (ROOT / "nn" / "app" / REFERENCE).read_text(encoding="utf-8")
TEXT = reference("casefile")
SMALL = {"inputs": {"x": 1.0}, "parameters": {"w": 0.5}, "equations": {"E": "w*x"}}


def documented_keys(heading: str) -> set[str]:
    """The keys in the first column of the tables under ``heading`` (``| `key` | ...``)."""
    body = section(TEXT, heading)
    return set(re.findall(r"^\| `([^`]+)` \|", body, re.M))


def keys_the_loader_lists(table: str) -> list[str]:
    """The keys the loader's own error lists for an unknown key in `table`."""
    with pytest.raises(CaseFileError) as caught:
        verify({**SMALL, table: {"no_such_key": 1}})
    listed = re.search(r"the keys are (.*)", caught.value.fix)
    assert listed, caught.value.fix
    return re.findall(r"[a-z_]+", listed.group(1).replace(" and ", ", "))


def test_every_table_the_loader_accepts_is_documented():
    assert set(casefile.TABLES) <= documented_keys("Tables and keys")


def test_every_train_key_is_documented():
    keys = keys_the_loader_lists("train")
    assert "learning_rate" in keys
    assert set(keys) <= documented_keys("Tables and keys")


def test_every_verify_key_and_setting_is_documented():
    keys = keys_the_loader_lists("verify")
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(keys) <= fields | {"decimals"}
    assert fields <= documented_keys("`[verify]`: how claims are judged, per file")
    for field in fields - {"decimals"}:  # the defaults are the code's own
        assert f"| `{field}` | {{{{settings.{field}}}}} |" in RAW, field
        shown = number_text(getattr(Settings(), field))
        assert f"| `{field}` | {shown} |" in TEXT, field
    assert "| `work_limit` | 2,000,000 |" in TEXT and "| `rounding_units` | none |" in TEXT
    low, high = settings_table._BOUNDS["work_limit"]
    assert f"a whole number from {low:,} to {high:,}; see Limits" in TEXT


def test_every_claim_kind_status_and_json_field_is_documented():
    output = section(TEXT, "`chaingrad verify`: output and exit status")
    for kind in casefile.KINDS:
        assert f"`{kind}`" in output
    judged = section(TEXT, "How claims are judged")
    for status in STATUSES:
        assert f"| **{status}** |" in judged
    result = verify({**SMALL, "claims": {"E": 0.5}}).to_json()
    assert set(result) | set(result["claims"][0]) <= documented_keys(
        "`chaingrad verify`: output and exit status"
    )
    for status in ("0", "1", "2"):
        assert f"\n| {status} | " in output


def test_every_function_of_the_expression_language_is_in_the_table():
    functions = section(TEXT, "Expressions")
    for name in expr.function_names():
        assert re.search(rf"^\| `{name}` \| ", functions, re.M), name
    for name in expr.COMPOSITES:  # written with other ops: said how, in words
        assert f"`{name}(" in functions, name


def test_the_indexing_and_the_partial_keys_the_expressions_section_shows():
    expressions = section(TEXT, "Expressions")
    for example in ("`w[0]`", "`W[1, 2]`", "`w[-1]`", "(`W[1]`)", "`(W @ x)[0]`", '`"∂E/∂w1"`'):
        assert example in expressions, example
    assert f"at most {expr.MAX_INDICES}," in expressions
    case = {
        "inputs": {"x": [1.0, 2.0]},
        "parameters": {"W": [[1.0, 2.0], [3.0, 4.0]]},
        "equations": {"h": "(W @ x)[0]", "r": "sum(W[1])", "q": "W[1, 0] + x[-1]"},
        "claims": {"h": 5, "r": 7, "q": 5, "∂q/∂x": [0, 1]},
        "formulas": {"∂h/∂x": "W[0]"},
    }
    assert verify(case).summary == {"ok": 5, "rounding": 0, "wrong": 0}
    refused = {
        "x[0:1]": "a slice is not allowed",
        "x[h]": "this index is not allowed",
        "x[2]": "index 2 is out of range",
        "x[0, 0, 0, 0, 0]": f"at most {expr.MAX_INDICES} dimensions",
    }
    for bad, why in refused.items():
        with pytest.raises(CaseFileError, match=re.escape(why)):
            verify({**case, "equations": {**case["equations"], "bad": bad}})


def test_every_limit_is_documented_from_the_code():
    # Every MAX_ constant of the modules that bound a case file is a placeholder, under the
    # module that defines it or one that re-exports it (casefile.MAX_ARRAY_SIZE is budget's).
    for prefix in ("casefile", "expr", "textscan", "budget", "settings_table", "claim_diagnoses"):
        module = OWNERS[prefix]
        for name in dir(module):
            if name.startswith("MAX_"):
                value = getattr(module, name)
                assert any(
                    "{{" + f"{other}.{name}" + "}}" in RAW
                    and getattr(OWNERS[other], name, None) is value
                    for other in OWNERS
                ), f"{prefix}.{name}"
    for name in ("EVALUATE_COST", "WALK_COST", "ENTRIES_PER_UNIT"):  # what a unit of work is
        assert "{{budget." + name + "}}" in RAW, name
    for name in ("DRAWS_PER_POINT", "MISSES_BEFORE_HALVING", "SMALLEST_MOVE"):  # random points
        assert "{{verifying." + name + "}}" in RAW, name
    assert "{{" not in TEXT and "}}" not in TEXT  # every fact filled in
    assert f"| names (inputs + parameters + equations) | {casefile.MAX_NAMES:,} |" in TEXT
    limits = section(TEXT, "Limits")
    assert f"| {textscan.MAX_NESTING} deep |" in limits
    assert f"| {textscan.MAX_KEY_LENGTH} characters, {textscan.MAX_KEY_PARTS} dotted parts |" in (
        limits
    )
    assert f"| {budget.MAX_ARRAY_SIZE:,} entries, checked from the operands' shapes" in limits
    work = f"{Settings().work_limit:,} by default, at most {settings_table.MAX_WORK_LIMIT:,} |"
    assert work in limits
    assert f"| `[verify] points`, at most {settings_table._BOUNDS['points'][1]} |" in limits


def test_the_work_limit_example_raises_the_budget(tmp_path):
    example = re.search(r"```toml\n(\[verify\]\nwork_limit = \d+\n)```", TEXT).group(1)
    path = tmp_path / "budget.toml"
    path.write_text("[inputs]\nx = 1.0\n[equations]\nE = 'x*x'\n" + example, encoding="utf-8")
    limit = verify(path).case.settings.work_limit
    assert Settings().work_limit < limit <= settings_table.MAX_WORK_LIMIT


def test_the_judging_rules_state_the_codes_numbers_and_examples(tmp_path):
    judged = " ".join(section(TEXT, "How claims are judged").split())
    settings = Settings()
    # The numbers the section states are the code's.
    assert f"half a unit of the last shown digit (`ok_units`: {settings.ok_units:g})" in judged
    assert settings.ok_units == 0.5 and settings.rounding_units is None
    assert f"widened by {tolerance.SLACK:g} of a unit" in judged
    assert f"first {claim_diagnoses.DIAGNOSIS_POINTS} random points" in judged
    assert f"to {tolerance.DIAGNOSIS_RTOL:g} of its size" in judged
    assert f"At most {claim_diagnoses.MAX_DIAGNOSED} wrong claims" in judged
    assert f"beyond 10**±{casefile.MAX_EXPONENT} (`0e400`)" in judged
    assert [r for r, _ in diagnose.RATIOS] == [2.0, 0.5, -1.0, -2.0, -0.5]
    assert "times 2, 1/2, -1, -2 or -1/2" in judged
    # The shown digits of its examples.
    for literal, decimals in (("0.0850", 4), ("0.699", 3), ("-3", 0), ("2.5e-3", 4), ("1.5e3", -2)):
        assert casetext.shown_decimals(literal) == decimals, literal
    # The examples of the table of statuses.
    assert settings.status(0.699, 0.6996992, 0.001) == "rounding"  # truncated
    assert settings.status(1.0, 1.7, 1.0) == "rounding"  # an integer, truncated
    assert settings.status(-3.0, -2.0, 1.0) == "wrong"
    assert settings.status(0.2, 0.35, 0.1) == "wrong"
    assert settings.status(0.2, 0.2 + 0.05 * (1 + 1e-10), 0.1) == "ok"  # the slack
    # sigma = 0.62 stated makes sigma' = 0.2356 rounding; not stated, it is wrong.
    case = {"inputs": {"x": 0.5}, "equations": {"s": "sigmoid(x)"}, "claims": {"ds/dx": 0.2356}}
    assert verify(case).claims[0].status == "wrong"
    case["claims"] = {"s": 0.62, "ds/dx": 0.2356}
    assert [c.status for c in verify(case).claims] == ["ok", "rounding"]
    # A file's number shows its digits; a dict's float those of its shortest form.
    near = {**SMALL, "inputs": {"x": 1.0008}}  # E = 0.5004
    assert verify({**near, "claims": {"E": 0.5000}}).claims[0].status == "ok"  # 0.5: 1 decimal
    path = tmp_path / "digits.toml"
    path.write_text(
        '[inputs]\nx = 1.0008\n[parameters]\nw = 0.5\n[equations]\nE = "w*x"\n'
        "[claims]\nE = 0.5000\n",
        encoding="utf-8",
    )
    assert verify(path).claims[0].status == "wrong"  # 0.5000: 4 decimals
    # A formula for a tiny derivative is judged against its size: "0" is wrong.
    tiny = {"inputs": {"x": -30.0}, "equations": {"s": "sigmoid(sigmoid(x) * 1e-3 - 31)"}}
    assert verify({**tiny, "formulas": {"ds/dx": "0"}}).claims[0].status == "wrong"


def test_the_example_at_the_top_verifies_as_documented(tmp_path):
    example = re.search(r"```toml\n(.*?)```", TEXT, re.S).group(1)
    tomllib.loads(example)
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    result = verify(path)
    assert result.summary == {"ok": len(result.claims), "rounding": 0, "wrong": 0}
    assert {c.kind for c in result.claims} == set(casefile.KINDS)


def test_every_topic_prints_and_the_list_of_topics(capsys):
    assert main(["help"]) == 0
    listing = capsys.readouterr().out
    for topic, (_, summary) in TOPICS.items():
        assert f"  {topic}" in listing and summary in listing
        assert main(["help", topic]) == 0
        printed = capsys.readouterr().out
        assert printed == reference(topic) + "\n"
    assert reference("expressions").startswith("## Expressions\n")
    assert reference("judging") in reference("casefile")


def test_a_misspelt_topic_gets_the_nearest(capsys):
    with pytest.raises(SystemExit) as done:
        main(["help", "casefiel"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'casefiel'" in err and "(did you mean 'casefile'?)" in err


def test_messages_name_the_help_command_and_its_topics_exist():
    sources = [*ROOT.joinpath("autograd").rglob("*.py"), *ROOT.joinpath("nn").rglob("*.py")]
    mentioned = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "in the docs" not in text and "see the case-file format" not in text, path
        mentioned |= set(re.findall(r"chaingrad help ([a-z]+)", text))
    assert mentioned and mentioned <= set(TOPICS)


def test_errors_about_the_format_say_which_help_to_run(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[inputs\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="run 'chaingrad help casefile'"):
        verify(bad)
    with pytest.raises(CaseFileError, match="run 'chaingrad help expressions'"):
        verify({**SMALL, "equations": {"E": "w if x else 0"}})


def test_the_readme_points_at_the_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "chaingrad help casefile" in readme
