from tests.recipes.kbfix import patch
from assistant.repair.recipes import pack_unsorted as recipe

CLASSIFIER = '''\
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader

torch.manual_seed(0)
VOCAB, EMBED, HIDDEN, CLASSES = 50, 8, 16, 3


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True), lengths, torch.tensor(labels)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMBED, padding_idx=0)
        self.rnn = nn.GRU(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(self.emb(padded), lengths,
                                      batch_first=True)
        states, h_n = self.rnn(packed)
        self.states, _ = pad_packed_sequence(states, batch_first=True)
        return self.head(h_n[-1])


samples = [(torch.randint(1, VOCAB, (n,)), n % CLASSES) for n in (3, 7, 5, 2, 6, 4)]
loader = DataLoader(samples, batch_size=3, shuffle=True, collate_fn=collate)
model = Classifier()
for padded, lengths, labels in loader:
    loss = nn.functional.cross_entropy(model(padded, lengths), labels)
    loss.backward()
'''

# Each row's final state is the state of its own sequence, unpadded: the batch order was kept.
ROWS_KEEP_THEIR_ORDER = '''
with torch.no_grad():
    for row, (n, seq) in enumerate(zip(lengths.tolist(), padded)):
        _, alone = model.rnn(model.emb(seq[:n]).unsqueeze(0))
        assert torch.allclose(model.head(alone[-1]), model(padded, lengths)[row], atol=1e-5)
        assert (model.states[row, n:] == 0).all()
'''

SORTED_FLAG_SET = '''\
import torch
from torch.nn.utils.rnn import pack_sequence

seqs = [torch.randn(n, 4) for n in (2, 5, 3)]
packed = pack_sequence(seqs, enforce_sorted=True)
assert packed.batch_sizes.tolist() == [3, 3, 2, 1, 1]
'''


def test_a_shuffled_batch_is_packed_without_sorting(sandbox):
    patched = patch(recipe, CLASSIFIER, sandbox.facts(CLASSIFIER, "RuntimeError"))
    assert "        packed = pack_padded_sequence(self.emb(padded), lengths,\n" \
           "                                      batch_first=True, enforce_sorted=False)\n" in patched
    sandbox.assert_clean(patched + ROWS_KEEP_THEIR_ORDER)


def test_an_explicit_flag_is_turned_off(sandbox):
    patched = patch(recipe, SORTED_FLAG_SET, sandbox.facts(SORTED_FLAG_SET, "RuntimeError"))
    assert "packed = pack_sequence(seqs, enforce_sorted=False)" in patched
    sandbox.assert_clean(patched)
