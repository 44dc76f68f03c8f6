from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import public_equivalent_import as recipe

SPLITS = '''\
import operator

import torch
from torch.utils.data import Subset, TensorDataset
from torch._utils import _accumulate, _get_device_index   # helpers from an old repository


def split_in_order(dataset, lengths):
    """Split without shuffling: first lengths[0] samples, then the next lengths[1], ..."""
    return [Subset(dataset, range(end - n, end)) for n, end in zip(lengths, _accumulate(lengths))]


torch.manual_seed(0)
data = TensorDataset(torch.randn(10, 3), torch.arange(10))
train, val, test = split_in_order(data, [6, 2, 2])
products = list(_accumulate([1, 2, 3, 4], operator.mul))
device = _get_device_index("cpu", allow_cpu=True)
'''

# The same running sums (and running products with a function) as the removed helper gave.
SAME_SPLITS = '''
assert [len(s) for s in (train, val, test)] == [6, 2, 2]
assert val[0][1].item() == 6 and test[1][1].item() == 9 and products == [1, 2, 6, 24]
'''


def test_the_removed_helper_comes_from_itertools(sandbox):
    patched = patch(recipe, SPLITS, sandbox.facts(SPLITS, "ImportError"))
    assert ("from torch._utils import _get_device_index   # helpers from an old repository\n"
            "from itertools import accumulate as _accumulate\n") in patched
    sandbox.assert_clean(patched + SAME_SPLITS)


def test_a_name_without_an_equivalent_is_left_alone():
    facts = Facts("ImportError", "cannot import name '_DataLoaderIter' from 'torch.utils.data.dataloader' "
                                 "(/usr/lib/python3/site-packages/torch/utils/data/dataloader.py)", line=1, lines=(1,))
    assert not applies(recipe, "from torch.utils.data.dataloader import _DataLoaderIter\n", facts)


def test_an_import_of_that_name_alone_is_replaced():
    facts = Facts("ImportError", "cannot import name '_accumulate' from 'torch._utils' (/x/torch/_utils.py)",
                  line=1, lines=(1,))
    assert patch(recipe, "from torch._utils import _accumulate as acc  # old\n", facts) == (
        "from itertools import accumulate as acc  # old\n")


COLLATE = '''\
import torch
from torch.utils.data import DataLoader
from torch.utils.data._utils.collate import string_classes   # written for torch 1.x


def collate_records(batch):
    """Stack the tensors of a list of records, keep the text fields as lists."""
    out = {}
    for key in batch[0]:
        values = [record[key] for record in batch]
        out[key] = values if isinstance(values[0], string_classes) else torch.stack(values)
    return out


records = [{"text": f"doc {i}", "x": torch.full((3,), float(i))} for i in range(6)]
batches = list(DataLoader(records, batch_size=4, collate_fn=collate_records))
'''

# The text stays a list of strings and the features are stacked, as the torch 1.x alias (str) gave.
SAME_BATCHES = '''
assert batches[0]["text"] == ["doc 0", "doc 1", "doc 2", "doc 3"] and batches[1]["text"] == ["doc 4", "doc 5"]
assert batches[0]["x"].shape == (4, 3) and batches[1]["x"][1, 0].item() == 5.0
'''


def test_a_python2_alias_becomes_the_builtin_it_stood_for(sandbox):
    patched = patch(recipe, COLLATE, sandbox.facts(COLLATE, "ImportError"))
    assert "from builtins import str as string_classes   # written for torch 1.x\n" in patched
    sandbox.assert_clean(patched + SAME_BATCHES)


def test_the_private_int_alias_of_the_sampler_module_is_int():
    facts = Facts("ImportError", "cannot import name '_int_classes' from 'torch.utils.data.sampler' "
                                 "(/x/torch/utils/data/sampler.py)", line=1, lines=(1,))
    assert patch(recipe, "from torch.utils.data.sampler import Sampler, _int_classes\n", facts) == (
        "from torch.utils.data.sampler import Sampler\nfrom builtins import int as _int_classes\n")
