"""_values.settings follows a config object's attribute to the class attribute that holds it, in a
config class that also has methods (a def in the class body is a compound statement, no field)."""

import libcst as cst

from assistant.repair.recipes._edit import Script
from assistant.repair.recipes._values import settings

SOURCE = '''
class Config:
    backend = "nccl"

    def describe(self):
        return f"backend={self.backend}"

    heads: int = 8


cfg = Config()
chosen = cfg.backend
width = cfg.heads
'''


def _setting(script: Script, target: str) -> list[str]:
    assign = next(node for node in script.nodes(cst.Assign) if script.code(node.targets[0].target) == target)
    return [script.code(value) for value in settings(script, assign.value)]


def test_a_class_attribute_is_found_past_a_method() -> None:
    script = Script(SOURCE)
    assert _setting(script, "chosen") == ['"nccl"']
    assert _setting(script, "width") == ["8"]
