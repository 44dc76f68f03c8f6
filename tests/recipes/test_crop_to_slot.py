from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import crop_to_slot as recipe

FRAME_COLLATE = '''\
import torch
from torch.utils.data import DataLoader

torch.manual_seed(4)
MAX_FRAMES, N_MFCC = 20, 13
clips = [torch.randn(int(t), N_MFCC) for t in torch.randint(8, 30, (10,))]


def collate(batch):
    feats = torch.zeros(len(batch), MAX_FRAMES, N_MFCC)
    valid = torch.zeros(len(batch), MAX_FRAMES, dtype=torch.bool)
    for row, clip in enumerate(batch):
        feats[row, :clip.size(0)] = clip
        valid[row, :clip.size(0)] = True
    return feats, valid


batches = list(DataLoader(clips, batch_size=5, collate_fn=collate))
'''

# Every clip keeps its first MAX_FRAMES frames; shorter ones are padded with zeros.
FIRST_FRAMES_KEPT = '''
feats, valid = batches[1]
assert feats.shape == (5, MAX_FRAMES, N_MFCC)
for row, clip in enumerate(clips[5:]):
    n = min(len(clip), MAX_FRAMES)
    assert torch.equal(feats[row, :n], clip[:n]) and not feats[row, n:].any()
'''


def test_a_clip_longer_than_the_buffer_keeps_its_first_frames(sandbox):
    patched = patch(recipe, FRAME_COLLATE, sandbox.facts(FRAME_COLLATE, "RuntimeError"))
    assert "feats[row, :clip.size(0)] = clip[:feats.size(1)]" in patched
    sandbox.assert_clean(patched + FIRST_FRAMES_KEPT)


def longer(line: int) -> Facts:
    return Facts("RuntimeError", "The expanded size of the tensor (16) must match the existing size (19) at "
                                 "non-singleton dimension 0.  Target sizes: [16].  Tensor sizes: [19]", line=line,
                 lines=(line,))


def test_only_a_slot_meant_for_the_whole_value_is_cropped():
    assert applies(recipe, "import torch\nout[i, :len(s)] = s\n", longer(2))
    assert not applies(recipe, "import torch\nout[i, 2:2 + len(s)] = s\n", longer(2)), "an offset slot"
    assert not applies(recipe, "import torch\nout[i, :n] = s\n", longer(2)), "the code chose another length"
    assert not applies(recipe, "import torch\nout[idx_list, :len(s)] = s\n".replace("idx_list", "ids[0:2]"), longer(2))


CAPPED_WAVEFORMS = '''\
import torch

MAX_SAMPLES = 12
torch.manual_seed(0)
waves = [torch.randn(n, 2) for n in (7, 12, 15, 9)]


def pad_waves(batch):
    out = torch.zeros(len(batch), MAX_SAMPLES, 2)
    for row, wave in enumerate(batch):
        length = min(wave.size(0), MAX_SAMPLES)
        out[row, :length] = wave
    return out


padded = pad_waves(waves)
'''

CAPPED_WAVES_KEPT = '''
assert torch.equal(padded[2], waves[2][:MAX_SAMPLES])
assert torch.equal(padded[0, :7], waves[0]) and not padded[0, 7:].any()
'''


def test_a_slot_ending_at_the_capped_length_gets_the_value_cropped_to_it(sandbox):
    patched = patch(recipe, CAPPED_WAVEFORMS, sandbox.facts(CAPPED_WAVEFORMS, "RuntimeError"))
    assert "        out[row, :length] = wave[:length]\n" in patched
    sandbox.assert_clean(patched + CAPPED_WAVES_KEPT)


def test_only_a_length_capped_with_min_is_the_slot_end():
    capped = "import torch\nfor i, s in enumerate(seqs):\n    n = min(len(s), 16)\n    out[i, :n] = s\n"
    assert applies(recipe, capped, longer(4))
    assert not applies(recipe, capped.replace("min(", "max("), longer(4)), "a length that is not capped"
    assert not applies(recipe, capped.replace("len(s)", "len(t)"), longer(4)), "another sequence's length"
