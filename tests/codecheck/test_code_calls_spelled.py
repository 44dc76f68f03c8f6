"""Code.calls_spelled and Code.in_file_order (index additions): the same calls, in the same order, as
filtering every call of the file by its callee."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted

SOURCE = """\
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.head = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    def forward(self, x):
        return self.head(self.fc(x)).fc(x)(x)
net, loss_fn = Net(), nn.MSELoss()
loss = loss_fn(net(x), y) + nn.L1Loss()(net(x), y)
fc = getattr(net, "fc")(x)
"""


def _brute(code: Code, names: set[str | None]) -> list[ast.Call]:
    return [call for call in code.calls if dotted(call.func) in names]


def test_each_name_and_mix_of_names_gives_the_filtered_calls_in_order():
    code = Code(SOURCE)
    for names in [("self.fc",), ("net",), (None,), ("self.fc", "self.head"), ("loss_fn", None, "net"),
                  ("nn.Linear", "net", "nn.Linear"), ("absent",), ("absent", "net")]:
        assert code.calls_spelled(*names) == _brute(code, set(names)), names


def test_in_file_order_drops_repeats_and_follows_the_node_order():
    code = Code(SOURCE)
    calls = list(code.calls)
    assert code.in_file_order(reversed(calls)) == calls
    assert code.in_file_order([calls[3], calls[1], calls[3]]) == [calls[1], calls[3]]
    assert code.in_file_order([]) == []
