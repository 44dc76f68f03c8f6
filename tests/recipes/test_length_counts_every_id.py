"""length-counts-every-id: a vocabulary class's `__len__` misses an id the class hands out.

The situation: the class gives unknown (or end-of-sequence) words an id equal to its own length,
so an embedding table sized `len(vocab)` has no row for it. Shapes:
- ids from 1 (0 is padding), `unk_id = len(self.stoi) + 1`, `__len__` returns `len(self.stoi) + 1`,
  the table built in a model's constructor from a parameter;
- an `itos` list with `__len__` returning `len(self.itos)` and `unk = len(self.itos)` as the
  `.get` fallback, the table built at module level;
- two specials past the words (`unk` as the fallback, `bos` listed first in every encoding), the
  size passed through a config dict.
Left alone: a length that already counts the unknown id (the error is elsewhere), a count
attribute that is no id, and a `__len__` whose value the file does not spell as a length.
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import length_counts_every_id as recipe

PADDED_VOCAB = '''\
import torch
import torch.nn as nn


class WordIds:
    def __init__(self, sentences):
        words = sorted({w for s in sentences for w in s.split()})
        self.stoi = {w: i + 1 for i, w in enumerate(words)}
        self.unk_id = len(self.stoi) + 1

    def __len__(self):
        return len(self.stoi) + 1

    def ids(self, sentence):
        return torch.tensor([self.stoi.get(w, self.unk_id) for w in sentence.split()])


class Encoder(nn.Module):
    def __init__(self, n_words):
        super().__init__()
        self.table = nn.Embedding(n_words, 6, padding_idx=0)

    def forward(self, ids):
        return self.table(ids).mean(0)


words = WordIds(["a cat sat", "a dog ran"])
encoder = Encoder(len(words))
vector = encoder(words.ids("a bird sat"))
'''

ITOS_LIST = '''\
import torch
from torch import nn


class Tokens:
    def __init__(self, text):
        self.itos = list(dict.fromkeys(text.split()))
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.unk = len(self.itos)

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        return [self.stoi.get(w, self.unk) for w in text.split()]


tokens = Tokens("to be or not to be")
embed = nn.Embedding(len(tokens), 4)
out = embed(torch.tensor(tokens.encode("to see or not")))
'''

SPECIALS = '''\
import torch
import torch.nn as nn


class Vocab:
    def __init__(self, words):
        self.stoi = {w: i for i, w in enumerate(words)}
        self.n_tokens = len(self.stoi)
        self.eos = len(self.stoi)
        self.stoi["<eos>"] = self.eos

    def __len__(self):
        return self.n_tokens


vocab = Vocab(["x", "y", "z"])
embedding = nn.Embedding(len(vocab), 8)
out = embedding(torch.tensor([0, 2, vocab.eos]))
'''


COUNTED_FROM_THE_WORDS = '''\
import torch
import torch.nn as nn


class Vocab:
    def __init__(self, words):
        self.stoi = {w: i for i, w in enumerate(words)}
        self.unk = len(self.stoi)
        self.bos = len(self.stoi) + 1

    def __len__(self):
        return len(self.stoi)

    def encode(self, words):
        return [self.bos] + [self.stoi.get(w, self.unk) for w in words]


vocab = Vocab(["p", "q"])
config = {"vocab_size": len(vocab), "dim": 3}
table = nn.Embedding(config["vocab_size"], config["dim"])
out = table(torch.tensor(vocab.encode(["p", "r"])))
'''


def test_unknown_id_past_a_padding_offset(sandbox):
    patched = patch(recipe, PADDED_VOCAB, sandbox.facts(PADDED_VOCAB, "IndexError"))
    assert "        return len(self.stoi) + 2\n" in patched
    sandbox.assert_clean(patched + "assert encoder.table.num_embeddings == 7 and vector.shape == (6,)\n")


def test_unknown_id_equal_to_the_length_of_a_list(sandbox):
    patched = patch(recipe, ITOS_LIST, sandbox.facts(ITOS_LIST, "IndexError"))
    assert "        return len(self.itos) + 1\n" in patched
    sandbox.assert_clean(patched + "assert embed.num_embeddings == 5 and out.shape == (4, 4)\n")


def test_two_specials_counted_from_the_words(sandbox):
    patched = patch(recipe, COUNTED_FROM_THE_WORDS, sandbox.facts(COUNTED_FROM_THE_WORDS, "IndexError"))
    assert "        return len(self.stoi) + 2\n" in patched
    sandbox.assert_clean(patched + "assert table.num_embeddings == 4 and out.shape == (3, 3)\n")


def _facts(source: str, text: str) -> Facts:
    return facts_on_line(source, text, "IndexError", "index out of range in self")


def test_a_length_that_counts_the_unknown_id_is_left_alone():
    source = PADDED_VOCAB.replace("        return len(self.stoi) + 1\n", "        return len(self.stoi) + 2\n")
    assert not applies(recipe, source, _facts(source, "return self.table(ids)"))


def test_a_count_that_is_no_id_is_left_alone():
    source = ITOS_LIST.replace("self.unk = len(self.itos)", "self.count = len(self.itos)").replace(
        "self.stoi.get(w, self.unk)", "self.stoi[w]")
    assert not applies(recipe, source, _facts(source, "out = embed("))


def test_a_length_the_file_cannot_read_is_left_alone():
    assert not applies(recipe, SPECIALS, _facts(SPECIALS, "out = embedding("))
