from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pad_before_cat as recipe

SENTENCE_BATCH = '''\
import torch
from torch import nn

PAD_ID = 1
vocab = {w: i + 2 for i, w in enumerate("the cat sat on a mat dog ran".split())}
sentences = ["the cat sat", "a dog ran on the mat", "the dog sat on a cat"]


def encode(texts):
    rows = []
    for text in texts:
        ids = torch.tensor([vocab[w] for w in text.split()])
        rows.append(ids[None])
    return torch.cat(rows)


embed = nn.Embedding(len(vocab) + 2, 6, padding_idx=PAD_ID)
batch = encode(sentences)
vectors = embed(batch).sum(1)
'''

# Shorter sentences end in PAD_ID, whose embedding is zero: each vector sums its own words only.
PADDED_WITH_THE_PADDING_ID = '''
assert batch.shape == (3, 6)
assert batch[0].tolist() == [vocab["the"], vocab["cat"], vocab["sat"], PAD_ID, PAD_ID, PAD_ID]
alone = embed(torch.tensor([vocab[w] for w in sentences[0].split()])).sum(0)
assert torch.allclose(vectors[0], alone)
'''


def test_sentences_given_a_batch_axis_are_padded_before_they_are_joined(sandbox):
    patched = patch(recipe, SENTENCE_BATCH, sandbox.facts(SENTENCE_BATCH, "RuntimeError"))
    assert ("return torch.nn.utils.rnn.pad_sequence([t.squeeze(0) for t in rows], batch_first=True, "
            "padding_value=PAD_ID)") in patched
    sandbox.assert_clean(patched + PADDED_WITH_THE_PADDING_ID)


def test_minibatches_of_different_lengths_are_left_alone():
    facts = Facts("RuntimeError", "Sizes of tensors must match except in dimension 0. Expected size 5 but got size 7 "
                                  "for tensor number 1 in the list.", line=2, lines=(2,))
    assert applies(recipe, "import torch\nx = torch.cat([s.unsqueeze(0) for s in seqs], dim=0)\n", facts)
    assert not applies(recipe, "import torch\nx = torch.cat([b for b in batches], dim=0)\n", facts)
    assert not applies(recipe, "import torch\nx = torch.cat(batches, dim=0)\n", facts)
