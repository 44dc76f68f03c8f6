"""zero-based-item-ids: a Dataset that hands out 1-based class ids, used as indices into a
per-class tensor, gets them converted where `__getitem__` returns them. Other shapes of the
situation than per-class hit counters over a prototype evaluation:
- ids drawn with `torch.randint(1, C + 1, ...)`, counted per class in a module-level loop;
- ids whose 1-basedness the class shows by indexing `self.ids - 1`, read with `.item()`, the
  dataset passed to a helper as a parameter.
Look-alikes left alone: ids the class does not show to be 1-based (a plain list from a file),
an index past the end by more than one, another attribute built from 1.
"""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import zero_based_item_ids as recipe

RANDINT_IDS = '''\
import torch
from torch.utils.data import Dataset

torch.manual_seed(0)
C = 4


class Ratings(Dataset):
    def __init__(self, n=40):
        self.stars = torch.randint(1, C + 1, (n,))
        self.x = torch.randn(n, 3)

    def __len__(self):
        return len(self.stars)

    def __getitem__(self, i):
        return self.x[i], int(self.stars[i])


data = Ratings()
counts = torch.zeros(C)
for k in range(len(data)):
    feats, star = data[k]
    counts[star] += 1
'''

COUNTS_PER_STAR = '''
assert counts.sum() == len(data)
assert counts.tolist() == [float((data.stars == s).sum()) for s in range(1, C + 1)]
'''


def test_ids_drawn_from_one_are_shifted_where_the_item_is_returned(sandbox):
    patched = patch(recipe, RANDINT_IDS, sandbox.facts(RANDINT_IDS, "IndexError"))
    assert "        return self.x[i], int(self.stars[i]) - 1\n" in patched
    sandbox.assert_clean(patched + COUNTS_PER_STAR)


SHIFTED_IN_THE_CLASS = '''\
import torch

torch.manual_seed(1)
N_GENRES = 3


class Tracks:
    def __init__(self):
        self.genre_ids = torch.tensor([1, 2, 3, 3, 1, 2])
        self.palette = torch.randn(N_GENRES, 2)
        self.points = self.palette[self.genre_ids - 1] + 0.01 * torch.randn(6, 2)

    def __len__(self):
        return len(self.genre_ids)

    def __getitem__(self, i):
        return self.points[i], self.genre_ids[i].item()


def error_per_genre(tracks):
    total = torch.zeros(N_GENRES)
    for i in range(len(tracks)):
        point, genre = tracks[i]
        total[genre] += (point - tracks.palette[genre]).norm()
    return total


totals = error_per_genre(Tracks())
'''

SMALL_ERRORS = '''
assert totals.shape == (N_GENRES,) and (totals < 0.2).all() and (totals > 0).all()
'''


def test_ids_the_class_indexes_minus_one_are_shifted_for_a_helper(sandbox):
    patched = patch(recipe, SHIFTED_IN_THE_CLASS, sandbox.facts(SHIFTED_IN_THE_CLASS, "IndexError"))
    assert "        return self.points[i], self.genre_ids[i].item() - 1\n" in patched
    sandbox.assert_clean(patched + SMALL_ERRORS)


def past_end(line: int, index: int = 4, size: int = 4) -> Facts:
    return Facts("IndexError", f"index {index} is out of bounds for dimension 0 with size {size}", line=line,
                 lines=(line,))


UNSHOWN = '''\
import torch


class Items:
    def __init__(self, ids):
        self.ids = IDS

    def __getitem__(self, i):
        return i, int(self.ids[i])


items = Items([0, 1, 2, 3])
x, c = items[3]
hits[c] += 1
'''


def test_only_ids_the_dataset_shows_to_be_one_based_are_shifted():
    assert applies(recipe, UNSHOWN.replace("IDS", "torch.tensor(ids) + 1"), past_end(14))
    assert not applies(recipe, UNSHOWN.replace("IDS", "torch.tensor(ids)"), past_end(14)), "nothing says 1-based"
    assert not applies(recipe, UNSHOWN.replace("IDS", "torch.tensor(ids) + 1"), past_end(14, index=6)), \
        "more than one past the end"
    other = UNSHOWN.replace("IDS", "torch.tensor(ids)\n        self.sizes = torch.tensor(ids) + 1")
    assert not applies(recipe, other, past_end(15)), "another attribute counts from 1"
