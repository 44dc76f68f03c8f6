"""variable-length-audio-batched: clips read at their own length, stacked by the default collate."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

NAME = "variable-length-audio-batched"

CLIPS = """\
import librosa
import torch
from torch.utils.data import DataLoader, Dataset


class Clips(Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        samples, _ = librosa.load(self.paths[i], sr=16000)
{body}        return torch.from_numpy(samples)


loader = DataLoader(Clips(paths), batch_size={batch}{options})
"""


def test_clips_as_read_batched_by_the_default_collate_fire():
    assert lines(NAME, CLIPS.format(body="", batch=32, options=", shuffle=True")) == [18]
    fragment = ("def __getitem__(self, n):\n    audio, rate = torchaudio.load(self.items[n])\n"
                "    return self.to_mfcc(audio), self.targets[n]\n\nloader = DataLoader(Calls(items), batch_size=8)\n")
    assert lines(NAME, fragment) == [5]


@pytest.mark.parametrize("body, batch, options", [
    ("        samples = samples[:16000]\n", 32, ""),                                   # cropped
    ("        samples = librosa.util.fix_length(samples, size=16000)\n", 32, ""),      # padded or cut
    ("", 1, ""),                                                                       # one clip a batch
    ("", 32, ", collate_fn=pad_batch"),                                                # its own collate
])
def test_clips_cut_to_one_length_or_not_stacked_by_default_are_quiet(body, batch, options):
    assert lines(NAME, CLIPS.format(body=body, batch=batch, options=options)) == []
