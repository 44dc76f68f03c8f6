from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pad_ragged_rows as recipe

REVIEWS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
PAD = 0
VOCAB = {"<pad>": PAD, "good": 1, "bad": 2, "movie": 3, "very": 4, "plot": 5}
reviews = ["very good movie", "bad plot", "very very bad movie plot"]
labels = torch.tensor([1, 0, 0])


def encode(text):
    return [VOCAB[word] for word in text.split()]


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size, dim=8):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.out = nn.Linear(dim, 2)

    def forward(self, ids):
        mask = (ids != PAD).unsqueeze(-1).float()
        return self.out((self.emb(ids) * mask).sum(1) / mask.sum(1))


model = BagOfEmbeddings(len(VOCAB))
batch = torch.tensor([encode(r) for r in reviews], dtype=torch.long)
loss = nn.functional.cross_entropy(model(batch), labels)
loss.backward()
assert batch.shape == (3, 5) and batch[1].tolist() == [2, 5, PAD, PAD, PAD]
'''


def test_pads_rows_with_the_embedding_padding_id(sandbox):
    patched = patch(recipe, REVIEWS, sandbox.facts(REVIEWS, "ValueError"))
    assert ("batch = torch.nn.utils.rnn.pad_sequence([torch.tensor(row, dtype=torch.long) for row in "
            "[encode(r) for r in reviews]], batch_first=True, padding_value=PAD)") in patched
    sandbox.assert_clean(patched)


def test_no_match_when_a_deeper_level_is_ragged():
    message = "expected sequence of length 2 at dim 2 (got 3)"
    source = "import torch\nboxes = torch.tensor([[[1, 2], [3, 4, 5]]])\n"
    assert not applies(recipe, source, Facts("ValueError", message, line=2, lines=(2,)))


FEATURE_SEQUENCES = '''\
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(5)
recordings = [rng.normal(size=(n, 3)) for n in (4, 7, 5)]
batch = np.array(recordings, dtype=np.float32)
lstm = nn.LSTM(3, 6, batch_first=True)
out, _ = lstm(torch.from_numpy(batch))
'''


def test_ragged_numpy_rows_are_padded_into_the_array_the_code_expected(sandbox):
    patched = patch(recipe, FEATURE_SEQUENCES, sandbox.facts(FEATURE_SEQUENCES, "ValueError"))
    assert ("\nbatch = torch.nn.utils.rnn.pad_sequence([torch.as_tensor(row) for row in recordings], batch_first=True, "
            "padding_value=0).numpy().astype(np.float32)\n") in patched
    sandbox.assert_clean(patched + '''
assert batch.shape == (3, 7, 3) and batch.dtype == np.float32 and out.shape == (3, 7, 6)
assert np.allclose(batch[0, :4], recordings[0]) and not batch[0, 4:].any()
''')
