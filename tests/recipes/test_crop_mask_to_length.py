from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import crop_mask_to_length as recipe

CAUSAL_BUFFER = '''\
import torch
import torch.nn as nn

MAX_LEN = 32
torch.manual_seed(7)


class TinyLM(nn.Module):
    def __init__(self, vocab=50, d=32, heads=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.lm_head = nn.Linear(d, vocab)
        self.causal = nn.Transformer.generate_square_subsequent_mask(MAX_LEN)

    def forward(self, ids):
        h = self.emb(ids)
        h = self.blocks(h, mask=self.causal)
        return self.lm_head(h)


model = TinyLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ids = torch.randint(0, 50, (4, 20))
logits = model(ids[:, :-1])
loss = nn.functional.cross_entropy(logits.reshape(-1, 50), ids[:, 1:].reshape(-1))
opt.zero_grad()
loss.backward()
opt.step()
'''

# the cropped mask is the causal mask of the batch's own length
SAME_AS_CAUSAL = '''
h = model.emb(ids[:, :-1])
reference = model.lm_head(model.blocks(h, mask=nn.Transformer.generate_square_subsequent_mask(19)))
assert torch.allclose(model(ids[:, :-1]), reference, atol=1e-5)
'''

SEQUENCE_FIRST_LOOP = '''\
import torch
from torch import nn

torch.manual_seed(8)
seq_max, d_model = 16, 24
attn = nn.MultiheadAttention(d_model, 3)
mask = torch.triu(torch.full((seq_max, seq_max), float("-inf")), diagonal=1)
outputs = []
for length in (5, 9):
    x = torch.randn(length, 2, d_model)      # [seq, batch, d]
    out, _ = attn(x, x, x, attn_mask=mask)
    outputs.append(out)
'''

CROSS_ATTENTION = '''\
import torch
from torch import nn

attn = nn.MultiheadAttention(8, 2, batch_first=True)
mask = torch.zeros(10, 10, dtype=torch.bool)
query, memory = torch.randn(1, 4, 8), torch.randn(1, 4, 8)
out, _ = attn(query, memory, memory, attn_mask=mask)
'''


def test_a_max_length_causal_mask_is_cropped_to_the_batch(sandbox):
    patched = patch(recipe, CAUSAL_BUFFER, sandbox.facts(CAUSAL_BUFFER, "RuntimeError"))
    assert "        h = self.blocks(h, mask=self.causal[:h.size(1), :h.size(1)])\n" in patched
    sandbox.assert_clean(patched + SAME_AS_CAUSAL)


def test_every_length_of_a_sequence_first_loop(sandbox):
    patched = patch(recipe, SEQUENCE_FIRST_LOOP, sandbox.facts(SEQUENCE_FIRST_LOOP, "RuntimeError"))
    assert "    out, _ = attn(x, x, x, attn_mask=mask[:x.size(0), :x.size(0)])\n" in patched
    sandbox.assert_clean(patched + "assert [o.shape for o in outputs] == [(5, 2, 24), (9, 2, 24)]\n")


def test_not_for_cross_attention_or_a_rectangular_mask(sandbox):
    facts = sandbox.facts(CROSS_ATTENTION, "RuntimeError")
    assert "should be (4, 4)" in facts.message
    assert not applies(recipe, CROSS_ATTENTION, facts)
    rectangular = Facts("RuntimeError", "The shape of the 2D attn_mask is torch.Size([10, 12]), but should be (4, 4).",
                        line=7, lines=(7,))
    assert not applies(recipe, CROSS_ATTENTION.replace("query, memory", "query, query"), rectangular)
