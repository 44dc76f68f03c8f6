from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import rows_for_largest_id as recipe

MATRIX_FACTORIZATION = '''\
import torch
import torch.nn as nn

ratings = torch.tensor([[1, 3, 4.0], [2, 1, 3.5], [3, 2, 5.0], [1, 2, 2.0], [4, 5, 1.0]])
users = ratings[:, 0].long()
items = ratings[:, 1].long()
scores = ratings[:, 2]
n_users = int(users.max())
n_items = int(items.max())


class MatrixFactorization(nn.Module):
    def __init__(self, n_users, n_items, k=4):
        super().__init__()
        self.user_factors = nn.Embedding(n_users, k)
        self.item_factors = nn.Embedding(n_items, k)

    def forward(self, u, i):
        return (self.user_factors(u) * self.item_factors(i)).sum(1)


mf = MatrixFactorization(n_users, n_items)
opt = torch.optim.Adam(mf.parameters(), lr=0.05)
for epoch in range(10):
    loss = ((mf(users, items) - scores) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

BASKETS = '''\
import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

records = [(0, [3, 1, 4]), (1, [1, 5, 9]), (0, [2, 6, 5]), (1, [3, 5, 8])]


class Baskets(Dataset):
    def __len__(self):
        return len(records)

    def __getitem__(self, i):
        label, products = records[i]
        return torch.tensor(products), torch.tensor(label)


num_products = max(p for _, basket in records for p in basket)
encoder = nn.Embedding(num_products, 8)
head = nn.Linear(8, 2)
for baskets, labels in DataLoader(Baskets(), batch_size=2):
    logits = head(encoder(baskets).mean(1))
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
'''

TAGGER_FROM_A_HELPER = '''\
import torch
import torch.nn as nn


def build_tagger(n_tags, n_words, dim=6):
    return nn.Sequential(nn.Embedding(n_words, dim), nn.Linear(dim, n_tags))


def train(model, words, tags, steps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(words).flatten(0, 1), tags.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss


words = torch.tensor([[4, 8, 15], [16, 23, 42]])
tags = torch.tensor([[0, 1, 2], [2, 1, 0]])
tagger = build_tagger(n_tags=3, n_words=words.max().item())
final = train(tagger, words, tags)
'''

SPECIAL_TOKEN_MISSING = '''\
import torch
import torch.nn as nn

vocab = ["<pad>", "hello", "world", "again"]
emb = nn.Embedding(len(vocab), 4)
ids = torch.tensor([[1, 2, 3, 4]])
out = emb(ids)
'''


def test_both_tables_sized_by_the_largest_id_get_its_row(sandbox):
    patched = patch(recipe, MATRIX_FACTORIZATION, sandbox.facts(MATRIX_FACTORIZATION, "IndexError"))
    assert "n_users = int(users.max()) + 1\nn_items = int(items.max()) + 1\n" in patched
    sandbox.assert_clean(patched + "assert mf.user_factors.num_embeddings == 5 and mf.item_factors.num_embeddings == 6\n"
                                   "assert mf(users, items).shape == (5,) and torch.isfinite(loss)\n")


def test_a_size_from_max_over_a_generator(sandbox):
    patched = patch(recipe, BASKETS, sandbox.facts(BASKETS, "IndexError"))
    assert "num_products = max(p for _, basket in records for p in basket) + 1\n" in patched
    sandbox.assert_clean(patched + "assert encoder.num_embeddings == 10 and logits.shape == (2, 2)\n")


def test_a_size_passed_to_a_builder_function(sandbox):
    patched = patch(recipe, TAGGER_FROM_A_HELPER, sandbox.facts(TAGGER_FROM_A_HELPER, "IndexError"))
    assert "tagger = build_tagger(n_tags=3, n_words=words.max().item() + 1)" in patched
    sandbox.assert_clean(patched + "assert tagger[0].num_embeddings == 43 and final.dim() == 0\n")


def test_not_for_a_table_sized_from_a_vocabulary(sandbox):
    """An id past len(vocab) is a token the vocabulary lacks: no size in the code says which."""
    facts = sandbox.facts(SPECIAL_TOKEN_MISSING, "IndexError")
    assert not applies(recipe, SPECIAL_TOKEN_MISSING, facts)


HEAD_SIZED_BY_THE_LARGEST_LABEL = '''\
import torch
import torch.nn as nn

X = torch.randn(30, 5)
y = torch.randint(0, 4, (30,))
y[0] = 3
num_classes = int(y.max())

model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, num_classes))
loss_fn = nn.CrossEntropyLoss()
loss = loss_fn(model(X), y)
loss.backward()
'''


def test_a_classifier_head_sized_by_the_largest_label_gets_its_logit(sandbox):
    patched = patch(recipe, HEAD_SIZED_BY_THE_LARGEST_LABEL, sandbox.facts(HEAD_SIZED_BY_THE_LARGEST_LABEL, "IndexError"))
    assert "num_classes = int(y.max()) + 1\n" in patched and "y = torch.randint(0, 4, (30,))\n" in patched
    sandbox.assert_clean(patched + "assert model(X).shape == (30, 4) and loss.item() > 0\n")


SIZED_BEFORE_THE_SPECIALS = '''\
import torch
import torch.nn as nn

corpus = ["a red fox", "the red dog"]
vocab = {}
for line in corpus:
    for w in line.split():
        vocab.setdefault(w, len(vocab))
VOCAB_SIZE = len(vocab)
for special in ["<pad>", "<unk>", "<eos>"]:
    vocab[special] = len(vocab)
emb = nn.Embedding(VOCAB_SIZE, 8)
ids = torch.tensor([[vocab["a"], vocab["fox"], vocab["<eos>"]]])
vectors = emb(ids)
'''


def test_a_length_taken_before_special_tokens_is_taken_again_at_the_table(sandbox):
    patched = patch(recipe, SIZED_BEFORE_THE_SPECIALS, sandbox.facts(SIZED_BEFORE_THE_SPECIALS, "IndexError"))
    assert "emb = nn.Embedding(len(vocab), 8)\n" in patched and "VOCAB_SIZE = len(vocab)\n" in patched
    sandbox.assert_clean(patched + "assert emb.num_embeddings == 8 and torch.equal(vectors[0, 2], emb.weight[7])\n")


COUNT_ON_THE_DATASET = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class Interactions(Dataset):
    def __init__(self, n=40):
        self.products = torch.randint(0, 25, (n,))
        self.products[0] = 24
        self.num_products = self.products.max().item()

    def __len__(self):
        return len(self.products)

    def __getitem__(self, i):
        return self.products[i]


data = Interactions()
table = nn.Embedding(data.num_products, 4)
rows = torch.cat([table(pid) for pid in DataLoader(data, batch_size=8)])
'''


def test_a_count_set_on_a_dataset_instance_gets_the_largest_ids_row(sandbox):
    patched = patch(recipe, COUNT_ON_THE_DATASET, sandbox.facts(COUNT_ON_THE_DATASET, "IndexError"))
    assert "        self.num_products = self.products.max().item() + 1\n" in patched
    sandbox.assert_clean(patched + "assert table.num_embeddings == 25 and torch.equal(rows[0], table.weight[24])\n")


SIZES_IN_A_CONFIG = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
user_ids = torch.randint(0, 30, (64,))
item_ids = torch.randint(0, 45, (64,))
user_ids[0], item_ids[0] = 29, 44
config = {"n_users": int(user_ids.max()), "n_items": int(item_ids.max()), "dim": 8}


class MF(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.users = nn.Embedding(cfg["n_users"], cfg["dim"])
        self.items = nn.Embedding(cfg["n_items"], cfg["dim"])

    def forward(self, u, i):
        return (self.users(u) * self.items(i)).sum(-1)


model = MF(config)
scores = model(user_ids, item_ids)
'''


def test_sizes_kept_in_a_config_dict_get_the_largest_ids_row(sandbox):
    patched = patch(recipe, SIZES_IN_A_CONFIG, sandbox.facts(SIZES_IN_A_CONFIG, "IndexError"))
    assert 'config = {"n_users": int(user_ids.max()) + 1, "n_items": int(item_ids.max()) + 1, "dim": 8}\n' in patched
    sandbox.assert_clean(patched + "assert (model.users.num_embeddings, model.items.num_embeddings) == (30, 45)\n"
                                   "assert scores.shape == (64,)\n")


CLICKS_BY_AMAX = '''\
import torch
import torch.nn as nn

clicks = torch.tensor([[0, 4], [2, 1], [3, 6], [1, 6]])
n_items = clicks[:, 1].amax().item()
items = nn.Embedding(n_items, 4)
vectors = items(clicks[:, 1])
'''


def test_a_size_from_amax_gets_the_largest_ids_row(sandbox):
    patched = patch(recipe, CLICKS_BY_AMAX, sandbox.facts(CLICKS_BY_AMAX, "IndexError"))
    assert "n_items = clicks[:, 1].amax().item() + 1\n" in patched
    sandbox.assert_clean(patched + "assert items.num_embeddings == 7 and torch.equal(vectors[2], items.weight[6])\n")


STORES_BY_NUMPY_AMAX = '''\
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class StoreSales(Dataset):
    def __init__(self):
        self.store = np.array([3, 0, 7, 2])
        self.num_stores = int(np.amax(self.store))

    def __len__(self):
        return len(self.store)

    def __getitem__(self, i):
        return self.store[i]


data = StoreSales()
store_emb = nn.Embedding(data.num_stores, 3)
rows = [store_emb(batch) for batch in DataLoader(data, batch_size=2)]
'''


def test_a_dataset_size_from_numpy_amax_gets_the_largest_ids_row(sandbox):
    patched = patch(recipe, STORES_BY_NUMPY_AMAX, sandbox.facts(STORES_BY_NUMPY_AMAX, "IndexError"))
    assert "        self.num_stores = int(np.amax(self.store)) + 1\n" in patched
    sandbox.assert_clean(patched + "assert store_emb.num_embeddings == 8 and torch.equal(rows[1][0], store_emb.weight[7])\n")


LAST_OF_SORTED_IDS = '''\
import torch
import torch.nn as nn

sessions = [[5, 2, 9], [1, 9, 4]]
highest = sorted({tok for s in sessions for tok in s})[-1]
item_emb = nn.Embedding(highest, 4)
bags = item_emb(torch.tensor(sessions)).sum(1)
'''


def test_a_size_from_the_last_of_the_sorted_ids_gets_its_row(sandbox):
    patched = patch(recipe, LAST_OF_SORTED_IDS, sandbox.facts(LAST_OF_SORTED_IDS, "IndexError"))
    assert "highest = sorted({tok for s in sessions for tok in s})[-1] + 1\n" in patched
    sandbox.assert_clean(patched + "assert item_emb.num_embeddings == 10 and torch.equal(bags[0], item_emb.weight[[5, 2, 9]].sum(0))\n")


def test_a_sorted_in_reverse_is_not_taken_for_the_largest_id(sandbox):
    reverse = LAST_OF_SORTED_IDS.replace("for tok in s})[-1]", "for tok in s}, reverse=True)[-1]")
    assert not applies(recipe, reverse, sandbox.facts(reverse, "IndexError"))
