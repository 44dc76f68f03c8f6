"""kb.code_terms: the API a program uses and how it calls it are its terms; what every program has is not."""

from kb.code_terms import code_terms, defined_names


def test_a_call_gives_its_name_its_parts_and_the_call():
    assert code_terms("nn.BatchNorm1d(128)") == ["batchnorm1d", "batch", "norm", "batchnorm1d(", ".batchnorm1d"]


def test_snake_case_names_are_split_into_their_words():
    assert code_terms("running_mean") == ["running_mean", "running", "mean"]


def test_a_method_call_and_an_attribute_are_told_from_a_plain_name():
    assert code_terms("h.view(-1)") == ["view", "view(", ".view"]
    assert code_terms("p.grad") == ["grad", ".grad"]
    assert code_terms("view") == ["view"]


def test_keyword_arguments_are_terms_and_assignments_are_not():
    assert "weights_only=" in code_terms("torch.load(path, weights_only=False)")
    assert "dim=" in code_terms("x.sum(\n    dim=1)")
    assert "total=" not in code_terms("total = 0")
    assert "a=" not in code_terms("f(a == b)")


def test_identifiers_every_program_has_keywords_and_numbers_are_not_terms():
    assert code_terms("def forward(self, x):\n    return self.net(x) + 3") == ["net", "net(", ".net"]
    assert code_terms("super().__init__()") == []


def test_names_the_code_defines_itself_make_no_terms():
    code = ("class SmallCNN(nn.Module):\n    def run(self, tokens, *, scale=2):\n        self.bn1 = nn.BatchNorm1d(8)\n"
            "        probs, _ = F.softmax(self.bn1(tokens),\n            dim=1)\n        for step in steps: pass\n")
    assert defined_names(code) == {"SmallCNN", "run", "self", "tokens", "scale", "bn1", "probs", "_", "step"}
    assert {"smallcnn", "bn1", "probs", "tokens", "step"}.isdisjoint(code_terms(code))
    assert {"batchnorm1d(", "softmax(", "dim=", "steps"} <= set(code_terms(code))  # `dim=1)` continues a call
