"""kb ask --run: pasted code becomes the error it raises in the sandbox."""

from assistant.repair.probe import error_of_code

MODEL_ONLY = """\
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(300, 48)
        self.norm = nn.BatchNorm1d(48)

    def forward(self, tokens):
        return self.norm(self.embed(tokens))
"""


def test_a_model_only_snippet_is_driven_and_its_error_captured():
    error = error_of_code(MODEL_ONLY)
    assert error.type == "RuntimeError" and error.frames
    assert error.message.startswith("running_mean should contain") and error.message.endswith("not 48")


def test_clean_code_and_prose_give_nothing():
    assert error_of_code("import torch\nx = torch.ones(2, 3)\ny = x.sum(dim=1)\nprint(y)") is None
    assert error_of_code("why does my model not learn anything?") is None


def test_a_fragment_gets_the_usual_imports_and_a_missing_name_tells_nothing():
    fragment = "layer = nn.Linear(10, 4)\nout = layer(torch.randn(3, 12))"
    assert error_of_code(fragment).message.startswith("mat1 and mat2 shapes cannot be multiplied")
    assert error_of_code("out = model(batch)\nloss = criterion(out, target)") is None
