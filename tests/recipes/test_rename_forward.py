from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import rename_forward as recipe

NESTED_TYPO = '''\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def foward(self, x):
        return torch.relu(self.fc(x)) + x

    def extra_repr(self):
        return "residual"


class Encoder(nn.Module):
    def __init__(self, dim=16, depth=3):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.blocks(x))


model = Encoder()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 16), torch.randint(0, 2, (32,))
for step in range(3):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The blocks really run: their weights get gradients, and the output is the residual one.
BLOCKS_RUN = '''
assert model.blocks[0].fc.weight.grad is not None
block = model.blocks[0]
assert torch.equal(block(x), torch.relu(block.fc(x)) + x)
'''


def test_renames_the_misspelt_method_of_the_named_class(sandbox):
    patched = patch(recipe, NESTED_TYPO, sandbox.facts(NESTED_TYPO, "NotImplementedError"))
    assert "    def forward(self, x):\n        return torch.relu(self.fc(x)) + x" in patched
    assert "def extra_repr(self):" in patched and "foward" not in patched
    sandbox.assert_clean(patched + BLOCKS_RUN)


def test_calls_under_the_misspelt_name_follow_it():
    code = ("import torch.nn as nn\nclass Net(nn.Module):\n    def Forward(self, x):\n        return x\n"
            "    def predict(self, x):\n        return self.Forward(x).argmax(1)\n")
    facts = Facts("NotImplementedError", 'Module [Net] is missing the required "forward" function')
    assert patch(recipe, code, facts).count("forward(") == 2


def test_no_match_when_no_method_is_a_near_miss():
    code = "import torch.nn as nn\nclass Net(nn.Module):\n    def run(self, x):\n        return x\n"
    facts = Facts("NotImplementedError", 'Module [Net] is missing the required "forward" function')
    assert not applies(recipe, code, facts)


FORWARD_OUTSIDE_THE_CLASS = '''\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)
        self.act = nn.GELU()

def forward(self, x):
    return self.act(self.lin(x))


enc = Encoder(4, 2)
x = torch.randn(3, 4)
out = enc(x)
'''

FORWARD_INSIDE_INIT = '''\
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self, obs_dim, hidden=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh())
        self.value = nn.Linear(hidden, 1)

        def forward(self, obs):
            return self.value(self.body(obs)).squeeze(-1)


critic = Critic(obs_dim=8)
states = torch.randn(5, 8)
returns = torch.randn(5)
loss = ((critic(states) - returns) ** 2).mean()
loss.backward()
'''

A_HELPER_NAMED_FORWARD = '''\
import torch
import torch.nn as nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

def forward(self, x):
    return self.fc(x)


probe = Probe()
print(forward(probe, torch.randn(1, 2)))
print(probe(torch.randn(1, 2)))
'''


def test_a_forward_indented_out_of_the_class_is_moved_into_it(sandbox):
    patched = patch(recipe, FORWARD_OUTSIDE_THE_CLASS, sandbox.facts(FORWARD_OUTSIDE_THE_CLASS, "NotImplementedError"))
    assert "        self.act = nn.GELU()\n\n    def forward(self, x):\n        return self.act(self.lin(x))\n" in patched
    sandbox.assert_clean(patched + "assert out.shape == (3, 2) and torch.equal(out, enc.act(enc.lin(x)))\n")


def test_a_forward_nested_in_init_becomes_a_method(sandbox):
    patched = patch(recipe, FORWARD_INSIDE_INIT, sandbox.facts(FORWARD_INSIDE_INIT, "NotImplementedError"))
    assert "        self.value = nn.Linear(hidden, 1)\n\n    def forward(self, obs):\n" in patched
    sandbox.assert_clean(patched + "assert critic(states).shape == (5,) and loss.dim() == 0\n"
                                   "assert critic.body[0].weight.grad is not None\n")


def test_a_module_level_forward_called_by_name_is_left_alone(sandbox):
    facts = sandbox.facts(A_HELPER_NAMED_FORWARD, "NotImplementedError")
    assert not applies(recipe, A_HELPER_NAMED_FORWARD, facts)
