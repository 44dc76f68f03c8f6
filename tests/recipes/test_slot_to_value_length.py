"""slot-to-value-length: a value shorter than the slot it is written into ends the slot at the
value's length. The situation in other shapes than a collate loop over token ids:
- a module-level width (`MAX_LEN`) and a `torch.full` buffer of a pad id;
- 2-D frames written along the time axis of a `[B, T, F]` buffer;
- one row's columns written into a `new_zeros` buffer along dim 1 (`grid[r, :, :W] = patch`);
- a buffer kept on an object (`self.cache`) and filled in a method.
Look-alikes left alone: a whole-buffer slot (`out[:, :WIDTH] = y`: a narrower y may be a wrong
width made upstream), an `empty` buffer, an offset slot, a list of rows as the index, a value
that is a call (measured twice), and a value longer than the slot (crop-to-slot's case).
"""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import slot_to_value_length as recipe

PAD_TO_WIDTH = '''\
import torch

PAD_ID, MAX_LEN = 3, 9
sentences = [torch.tensor([5, 6, 7, 8]), torch.arange(10, 19), torch.tensor([4, 4])]


def pad_batch(batch):
    out = torch.full((len(batch), MAX_LEN), PAD_ID, dtype=torch.long)
    for row, seq in enumerate(batch):
        out[row, :MAX_LEN] = seq
    return out


padded = pad_batch(sentences)
'''

PADDED_WITH_ID = '''
assert padded.shape == (3, MAX_LEN)
assert padded[0].tolist() == [5, 6, 7, 8] + [PAD_ID] * 5
assert torch.equal(padded[1], torch.arange(10, 19))
assert padded[2].tolist() == [4, 4] + [PAD_ID] * 7
'''


def test_a_short_sequence_fills_the_start_of_its_row_and_keeps_the_pad_id(sandbox):
    patched = patch(recipe, PAD_TO_WIDTH, sandbox.facts(PAD_TO_WIDTH, "RuntimeError"))
    assert "        out[row, :len(seq)] = seq\n" in patched
    sandbox.assert_clean(patched + PADDED_WITH_ID)


FRAMES_ALONG_TIME = '''\
import torch

torch.manual_seed(1)
N_MELS = 4
clips = [torch.randn(t, N_MELS) for t in (6, 3, 5)]


def stack_clips(clips):
    longest = max(c.size(0) for c in clips)
    feats = torch.zeros(len(clips), longest, N_MELS)
    for i, clip in enumerate(clips):
        feats[i, 0:longest] = clip
    return feats


feats = stack_clips(clips)
'''

FRAMES_KEPT = '''
assert feats.shape == (3, 6, N_MELS)
for i, clip in enumerate(clips):
    assert torch.equal(feats[i, :len(clip)], clip) and not feats[i, len(clip):].any()
'''


def test_frames_are_written_along_the_time_axis_of_a_three_dim_buffer(sandbox):
    patched = patch(recipe, FRAMES_ALONG_TIME, sandbox.facts(FRAMES_ALONG_TIME, "RuntimeError"))
    assert "        feats[i, 0:len(clip)] = clip\n" in patched
    sandbox.assert_clean(patched + FRAMES_KEPT)


ROW_COLUMNS = '''\
import torch

torch.manual_seed(2)
WIDTH = 8
patches = [torch.randn(2, w) for w in (5, 8, 3)]


def tile(patches):
    grid = patches[0].new_zeros(len(patches), 2, WIDTH)
    for r, patch in enumerate(patches):
        grid[r, :, :WIDTH] = patch
    return grid


grid = tile(patches)
'''

COLUMNS_KEPT = '''
assert grid.shape == (3, 2, WIDTH)
for r, patch in enumerate(patches):
    assert torch.equal(grid[r, :, :patch.size(1)], patch) and not grid[r, :, patch.size(1):].any()
'''


def test_one_rows_columns_end_the_column_slot_at_the_value_width(sandbox):
    patched = patch(recipe, ROW_COLUMNS, sandbox.facts(ROW_COLUMNS, "RuntimeError"))
    assert "        grid[r, :, :patch.size(1)] = patch\n" in patched
    sandbox.assert_clean(patched + COLUMNS_KEPT)


BUFFER_ON_AN_OBJECT = '''\
import torch


class History:
    def __init__(self, slots, horizon):
        self.horizon = horizon
        self.values = torch.zeros(slots, horizon)

    def record(self, slot, series):
        self.values[slot, :self.horizon] = series


history = History(2, 6)
history.record(0, torch.arange(1.0, 5.0))
history.record(1, torch.arange(1.0, 7.0))
'''

SERIES_KEPT = '''
assert history.values[0].tolist() == [1.0, 2.0, 3.0, 4.0, 0.0, 0.0]
assert history.values[1].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
'''


def test_a_buffer_kept_on_an_object_is_filled_to_the_series_length(sandbox):
    patched = patch(recipe, BUFFER_ON_AN_OBJECT, sandbox.facts(BUFFER_ON_AN_OBJECT, "RuntimeError"))
    assert "        self.values[slot, :len(series)] = series\n" in patched
    sandbox.assert_clean(patched + SERIES_KEPT)


def shorter(line: int, source: int = 4, target: int = 9) -> Facts:
    return Facts("RuntimeError", f"The expanded size of the tensor ({target}) must match the existing size ({source}) "
                                 f"at non-singleton dimension 0.  Target sizes: [{target}].  Tensor sizes: [{source}]",
                 line=line, lines=(line,))


def test_only_a_filled_buffer_and_a_slot_from_zero_get_the_value_length():
    code = "import torch\nout = torch.zeros(3, 9)\nout[i, :9] = s\n"
    assert applies(recipe, code, shorter(3))
    assert not applies(recipe, code.replace("zeros", "empty"), shorter(3)), "the rest of the row is unset"
    assert not applies(recipe, code.replace(":9]", "2:9]"), shorter(3)), "an offset slot"
    assert not applies(recipe, code.replace("out[i,", "out[rows[0:2],"), shorter(3)), "a tensor index"
    assert not applies(recipe, code.replace("= s\n", "= f(s)\n"), shorter(3)), "a value computed on the line"
    assert not applies(recipe, "import torch\nout[i, :9] = s\n", shorter(2)), "a buffer made elsewhere"
    assert not applies(recipe, code.replace("out[i, :9]", "out[:9]"), shorter(3)), "the whole buffer, no row"


def test_a_longer_value_or_one_that_broadcasts_is_not_this_case():
    code = "import torch\nout = torch.zeros(3, 9)\nout[i, :9] = s\n"
    assert not applies(recipe, code, shorter(3, source=12, target=9)), "longer: crop-to-slot"
    assert not applies(recipe, code, shorter(3, source=1, target=9)), "size 1 broadcasts"


def test_a_correct_padding_loop_runs_and_is_left_alone(sandbox):
    correct = PAD_TO_WIDTH.replace("out[row, :MAX_LEN] = seq", "out[row, :len(seq)] = seq")
    sandbox.assert_clean(correct + PADDED_WITH_ID)
    assert not applies(recipe, correct, shorter(10)), "the slot already ends at the value's length"
