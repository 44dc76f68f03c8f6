from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import reserve_unknown_id as recipe

MODULE_LEVEL_VOCABULARY = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
corpus = ["the cat sat", "the dog ran", "a cat ran"]
word_to_id = {'<pad>': 0}
for line in corpus:
    for word in line.split():
        if word not in word_to_id:
            word_to_id[word] = len(word_to_id)


def to_ids(text):
    return [word_to_id.get(word, len(word_to_id)) for word in text.split()]


table = nn.Embedding(len(word_to_id), 4, padding_idx=0)
query = torch.tensor([to_ids("the bird sat")])
vectors = table(query)
'''


def test_a_module_level_vocabulary_reserves_unk_and_the_lookup_uses_it(sandbox):
    patched = patch(recipe, MODULE_LEVEL_VOCABULARY, sandbox.facts(MODULE_LEVEL_VOCABULARY, "IndexError"))
    assert "word_to_id = {'<pad>': 0, '<unk>': 1}\n" in patched
    assert "word_to_id.get(word, word_to_id['<unk>'])" in patched
    sandbox.assert_clean(patched + "assert table.num_embeddings == 8 and query.tolist() == [[2, 1, 4]]\n"
                                   "assert torch.equal(vectors[0, 1], table.weight[1])\n")


BUILT_BY_A_HELPER = '''\
import torch
import torch.nn as nn


def make_vocab(texts):
    vocab = {"<pad>": 0, "<bos>": 1}
    for text in texts:
        for token in text.lower().split():
            vocab.setdefault(token, len(vocab))
    return vocab


def encode_batch(texts, vocab, length=5):
    rows = []
    for text in texts:
        ids = [vocab.get(t, len(vocab)) for t in text.lower().split()][:length]
        rows.append(ids + [0] * (length - len(ids)))
    return torch.tensor(rows)


class Bag(nn.Module):
    def __init__(self, n_tokens):
        super().__init__()
        self.emb = nn.Embedding(n_tokens, 6, padding_idx=0)
        self.head = nn.Linear(6, 3)

    def forward(self, ids):
        return self.head(self.emb(ids).mean(1))


train = ["Good film", "bad film", "fine plot"]
vocab = make_vocab(train)
model = Bag(len(vocab))
scores = model(encode_batch(["good unseen plot"], vocab))
'''


def test_a_builder_function_reserves_unk_after_its_own_specials(sandbox):
    patched = patch(recipe, BUILT_BY_A_HELPER, sandbox.facts(BUILT_BY_A_HELPER, "IndexError"))
    assert 'vocab = {"<pad>": 0, "<bos>": 1, "<unk>": 2}\n' in patched
    assert 'ids = [vocab.get(t, vocab["<unk>"]) for t in text.lower().split()][:length]' in patched
    sandbox.assert_clean(patched + 'assert vocab["good"] == 3 and model.emb.num_embeddings == len(vocab) == 8\n'
                                   "assert encode_batch(['good unseen plot'], vocab)[0, :3].tolist() == [3, 2, 7]\n"
                                   "assert scores.shape == (1, 3)\n")


UNK_ALREADY_IN_THE_VOCABULARY = '''\
import torch
import torch.nn as nn

vocab = {"<pad>": 0, "<unk>": 1}
for w in "red green blue".split():
    vocab[w] = len(vocab)
emb = nn.Embedding(len(vocab), 3)
ids = torch.tensor([vocab.get(w, len(vocab)) for w in "red violet".split()])
out = emb(ids)
'''


def test_a_vocabulary_that_has_unk_only_gets_its_lookup_fixed(sandbox):
    patched = patch(recipe, UNK_ALREADY_IN_THE_VOCABULARY, sandbox.facts(UNK_ALREADY_IN_THE_VOCABULARY, "IndexError"))
    assert 'vocab = {"<pad>": 0, "<unk>": 1}\n' in patched and 'vocab.get(w, vocab["<unk>"])' in patched
    sandbox.assert_clean(patched + "assert ids.tolist() == [2, 1] and emb.num_embeddings == 5\n")


IDS_FROM_ENUMERATE = '''\
import torch
import torch.nn as nn

words = ["sun", "moon", "star"]
vocab = {"<pad>": 0}
for i, w in enumerate(words, start=1):
    vocab[w] = i
emb = nn.Embedding(len(vocab), 3)
ids = torch.tensor([vocab.get(w, len(vocab)) for w in "sun comet".split()])
out = emb(ids)
'''


def test_not_where_later_ids_are_counted_by_the_code(sandbox):
    """`vocab[w] = i` from enumerate would give a word the reserved id: no shift is safe."""
    assert not applies(recipe, IDS_FROM_ENUMERATE, sandbox.facts(IDS_FROM_ENUMERATE, "IndexError"))


TABLE_SIZED_BY_ANOTHER_COUNT = '''\
import torch
import torch.nn as nn

vocab = {"<pad>": 0}
for w in "one two three".split():
    vocab.setdefault(w, len(vocab))
N_WORDS = 3
emb = nn.Embedding(N_WORDS, 3)
ids = torch.tensor([vocab.get(w, len(vocab)) for w in "two four".split()])
out = emb(ids)
'''


def test_not_where_the_table_is_not_sized_by_the_vocabulary(sandbox):
    facts = sandbox.facts(TABLE_SIZED_BY_ANOTHER_COUNT, "IndexError")
    assert not applies(recipe, TABLE_SIZED_BY_ANOTHER_COUNT, facts)


CORRECT_VOCABULARY = '''\
import torch
import torch.nn as nn

vocab = {"<pad>": 0, "<unk>": 1}
for w in "red green blue".split():
    vocab.setdefault(w, len(vocab))
emb = nn.Embedding(len(vocab), 3)
ids = torch.tensor([vocab.get(w, vocab["<unk>"]) for w in "red violet".split()])
out = emb(ids)
'''


def test_correct_code_runs_without_an_error(sandbox):
    sandbox.assert_clean(CORRECT_VOCABULARY)
