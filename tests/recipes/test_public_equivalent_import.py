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
