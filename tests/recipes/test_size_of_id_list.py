from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import size_of_id_list as recipe

CHAR_MODEL = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

TEXT = "hello world, hello torch"


class CharVocab:
    def __init__(self, text):
        chars = sorted(set(text))
        self.n_chars = len(chars)
        self.itos = ["<pad>", "<bos>", "<eos>"] + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def encode(self, text):
        return [self.stoi["<bos>"]] + [self.stoi[c] for c in text] + [self.stoi["<eos>"]]


class CharLM(nn.Module):
    def __init__(self, n_tokens, dim=12):
        super().__init__()
        self.emb = nn.Embedding(n_tokens, dim)
        self.out = nn.Linear(dim, n_tokens)

    def forward(self, ids):
        return self.out(self.emb(ids))


torch.manual_seed(0)
vocab = CharVocab(TEXT)
ids = torch.tensor(vocab.encode(TEXT))
model = CharLM(vocab.n_chars)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(60):
    logits = model(ids[:-1])
    loss = F.cross_entropy(logits, ids[1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

MEANT = '''
assert model.emb.num_embeddings == len(vocab.itos) == model.out.out_features
assert loss.item() < 1.0, loss.item()
'''


def test_the_count_is_moved_after_the_id_list_and_counts_it(sandbox):
    facts = sandbox.facts(CHAR_MODEL, "IndexError")
    patched = patch(recipe, CHAR_MODEL, facts)
    assert "        self.itos = [\"<pad>\", \"<bos>\", \"<eos>\"] + chars\n        self.n_chars = len(self.itos)\n" in patched
    assert "len(chars)" not in patched
    sandbox.assert_clean(patched + MEANT)


COUNT_AFTER_THE_LIST = CHAR_MODEL.replace(
    "        self.n_chars = len(chars)\n        self.itos = [\"<pad>\", \"<bos>\", \"<eos>\"] + chars\n",
    "        self.itos = [\"<pad>\", \"<bos>\", \"<eos>\"] + list(chars)\n        self.n_chars = len(chars)\n")


def test_a_count_after_the_list_is_rewritten_in_place(sandbox):
    facts = sandbox.facts(COUNT_AFTER_THE_LIST, "IndexError")
    patched = patch(recipe, COUNT_AFTER_THE_LIST, facts)
    assert "+ list(chars)\n        self.n_chars = len(self.itos)\n" in patched
    sandbox.assert_clean(patched + MEANT)


IDS_NUMBERED_APART = CHAR_MODEL.replace(
    "        self.stoi = {c: i for i, c in enumerate(self.itos)}\n",
    "        self.stoi = {c: i + 3 for i, c in enumerate(chars)}\n"
    "        self.stoi.update({\"<pad>\": 0, \"<bos>\": 1, \"<eos>\": 2})\n")


def test_not_when_the_ids_are_not_positions_in_the_longer_list(sandbox):
    facts = sandbox.facts(IDS_NUMBERED_APART, "IndexError")
    assert not applies(recipe, IDS_NUMBERED_APART, facts)
