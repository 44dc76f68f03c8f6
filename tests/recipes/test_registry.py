"""The recipe contract: every recipe is wrapped once, named by an entry, and tried only when named."""

from assistant.repair.recipes import Facts, Problem, candidates, registry
from tests.recipes.kbfix import ENTRIES


def test_every_recipe_is_named_by_an_entry():
    named = {name for entry in ENTRIES for name in entry.meta.get("recipes") or ()}
    assert set(registry()) <= named


def test_only_the_recipes_the_entry_names_are_tried():
    code = "import torch\nx = torch.randn(4, 6).t()\ny = x.view(24)\n"
    facts = Facts("RuntimeError", "view size is not compatible with input tensor's size and stride", line=3, lines=(3,))
    assert [c.recipe.name for c in candidates(Problem(code, facts), ["view-to-reshape"])] == ["view-to-reshape"]
    assert candidates(Problem(code, facts), []) == []


def test_code_that_does_not_parse_gets_no_recipe():
    facts = Facts("RuntimeError", "view size is not compatible", line=1, lines=(1,))
    assert candidates(Problem("def broken(:\n", facts), list(registry())) == []
