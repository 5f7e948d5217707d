"""docs/rules.md is generated from the packs and registries; it must be current."""

from __future__ import annotations

from planner.kyoso.rules import RULES
from scripts import rules_doc as docs


def test_rules_md_is_up_to_date() -> None:
    current = docs.DOC_PATH.read_text(encoding="utf-8")
    assert current == docs.render(), "docs/rules.md is out of date: run `python -m scripts.rules_doc`"


def test_rules_md_lists_every_rule_and_parameter() -> None:
    text = docs.render()
    for rule in RULES:
        assert f"`{rule.id}`" in text
    assert "`subcontract_scope`" in text and "per_vendor" in text
    assert "**yes**" in text  # interpretations are flagged


def test_check_mode_detects_a_stale_file(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(docs, "DOC_PATH", stale)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
