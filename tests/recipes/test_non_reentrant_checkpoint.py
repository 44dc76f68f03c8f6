from tests.recipes import distributed_sandbox
from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import non_reentrant_checkpoint as recipe

TRANSFORMER = '''\
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, x):
        h = self.norm(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(x)


class Encoder(nn.Module):
    def __init__(self, width=32, heads=4, depth=3):
        super().__init__()
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(depth)])
        self.gradient_checkpointing = True

    def forward(self, x):
        for block in self.blocks:
            if self.gradient_checkpointing and self.training:
                x = checkpoint(
                    block,
                    x,
                )
            else:
                x = block(x)
        return x


torch.manual_seed(0)
model = Encoder()
x = torch.randn(4, 10, 32, requires_grad=True)
loss = model(x).pow(2).mean()
loss.backward()
'''

# Checkpointing must not change what is computed: the same gradients as a plain forward.
SAME_GRADIENTS = '''
checkpointed = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
model.gradient_checkpointing = False
model(x).pow(2).mean().backward()
assert all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(checkpointed, model.parameters()))
'''


def test_the_implementation_is_chosen_explicitly(sandbox):
    facts = sandbox.warning_facts(TRANSFORMER, "UserWarning")
    patched = patch(recipe, TRANSFORMER, facts)
    assert "                x = checkpoint(\n                    block,\n                    x,\n                    use_reentrant=False,\n                )\n" in patched
    sandbox.assert_clean(patched + SAME_GRADIENTS, without_warning="use_reentrant parameter should be passed")


FROZEN_EMBEDDINGS = '''\
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp


def build(vocab=50, width=16, depth=2, classes=3):
    embed = nn.Embedding(vocab, width)
    embed.requires_grad_(False)                       # pretrained, kept frozen
    blocks = nn.ModuleList(nn.Sequential(nn.Linear(width, width), nn.Tanh()) for _ in range(depth))
    head = nn.Linear(width, classes)
    return embed, blocks, head


def encode(blocks, h):
    for block in blocks:
        h = cp.checkpoint(block, h, use_reentrant=True)
    return h


torch.manual_seed(0)
embed, blocks, head = build()
before = [b[0].weight.detach().clone() for b in blocks]
opt = torch.optim.SGD([*blocks.parameters(), *head.parameters()], lr=0.5)
ids, labels = torch.randint(0, 50, (16, 7)), torch.randint(0, 3, (16,))
for step in range(3):
    logits = head(encode(blocks, embed(ids)).mean(1))
    loss = nn.functional.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The fine-tuned blocks really train now; the frozen embedding still does not.
BLOCKS_TRAIN = '''
assert all(b[0].weight.grad is not None for b in blocks)
assert all(not torch.equal(old, b[0].weight) for old, b in zip(before, blocks))
assert embed.weight.grad is None
'''


def test_blocks_behind_a_frozen_embedding_get_gradients(sandbox):
    facts = sandbox.warning_facts(FROZEN_EMBEDDINGS, "UserWarning")
    assert "None of the inputs have requires_grad=True" in facts.message
    patched = patch(recipe, FROZEN_EMBEDDINGS, facts)
    assert "        h = cp.checkpoint(block, h, use_reentrant=False)\n" in patched
    sandbox.assert_clean(patched + BLOCKS_TRAIN, without_warning="None of the inputs have requires_grad")


SIAMESE_DDP = '''\
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.utils.checkpoint
from torch.nn.parallel import DistributedDataParallel


class Siamese(nn.Module):
    """One encoder applied to both inputs of a pair, each application checkpointed."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 8))

    def forward(self, a, b):
        za = torch.utils.checkpoint.checkpoint(self.encoder, a, use_reentrant=True)
        zb = torch.utils.checkpoint.checkpoint(self.encoder, b, use_reentrant=True)
        return nn.functional.cosine_similarity(za, zb)


torch.manual_seed(0)
store = os.path.join(tempfile.mkdtemp(), "rendezvous")
dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)
model = DistributedDataParallel(Siamese(), find_unused_parameters=True)
a, b = torch.randn(6, 12, requires_grad=True), torch.randn(6, 12, requires_grad=True)
same = torch.tensor([1.0, 0, 1, 0, 1, 0])
loss = nn.functional.mse_loss(model(a, b), same)
loss.backward()
'''

# The gradients DDP reduced are those of the same model trained without DDP or checkpointing.
AS_WITHOUT_DDP = '''
reference = Siamese()
reference.load_state_dict(model.module.state_dict())
za, zb = reference.encoder(a), reference.encoder(b)
nn.functional.mse_loss(nn.functional.cosine_similarity(za, zb), same).backward()
assert torch.allclose(model.module.encoder[0].weight.grad, reference.encoder[0].weight.grad, atol=1e-6)
dist.destroy_process_group()
'''


def test_a_shared_encoder_under_ddp_is_marked_ready_once():
    facts = distributed_sandbox.facts(SIAMESE_DDP, "RuntimeError")
    patched = patch(recipe, SIAMESE_DDP, facts)
    assert patched.count("use_reentrant=False)") == 2 and "use_reentrant=True" not in patched
    distributed_sandbox.assert_clean(patched + AS_WITHOUT_DDP)


WARNING = Facts("UserWarning", "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly.")


def test_a_function_of_the_users_own_named_checkpoint_is_left_alone():
    own = ("import torch\n\ndef checkpoint(model, path):\n    torch.save(model.state_dict(), path)\n\n"
           "checkpoint(model, 'last.pt')\n")
    assert not applies(recipe, own, WARNING)
    chosen = "from torch.utils.checkpoint import checkpoint\ny = checkpoint(f, x, use_reentrant=config.reentrant)\n"
    assert not applies(recipe, chosen, WARNING)
    assert applies(recipe, chosen.replace("config.reentrant", "True"), WARNING)
