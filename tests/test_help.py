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
    casefile,
    expr,
    settings_table,
    verify,
)
from chaingrad.autograd.verification.tolerance import STATUSES
from chaingrad.nn.app.cli import main
from chaingrad.nn.app.help import REFERENCE, TOPICS, number_text, reference, section

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


def test_every_limit_is_documented_from_the_code():
    for module, prefix in ((casefile, "casefile"), (expr, "expr")):
        for name in dir(module):
            if name.startswith("MAX_"):
                assert "{{" + f"{prefix}.{name}" + "}}" in RAW, name
    assert "{{" not in TEXT and "}}" not in TEXT  # every fact filled in
    assert f"| names (inputs + parameters + equations) | {casefile.MAX_NAMES:,} |" in TEXT


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
