"""A run that ended well but printed a crash of one of its processes proves no fix."""

from __future__ import annotations

import pytest

from assistant.repair.printed_crash import crash_in

CHILD_TRACEBACK = """\
epoch 0 loss 0.41
Process Process-1:
Traceback (most recent call last):
  File "/usr/lib/python3.11/multiprocessing/process.py", line 314, in _bootstrap
    self.run()
  File "train.py", line 12, in evaluate
    scores = logits.view(-1)
             ^^^^^^^^^^^^^^^
RuntimeError: view size is not compatible with input tensor's size and stride
done
"""
CHAINED = """\
Traceback (most recent call last):
  File "train.py", line 3, in <module>
    load()
KeyError: 'state'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "train.py", line 5, in <module>
    raise ValueError("no checkpoint")
ValueError: no checkpoint
"""
CRASHED = {
    "a child's traceback": (CHILD_TRACEBACK, "RuntimeError: view size is not compatible with input tensor's size and stride"),
    "a chained exception printed by a handler": (CHAINED, "KeyError: 'state'"),
    "a C++ abort in a rank": ("rank 1 done\nterminate called without an active exception\n",
                              "terminate called without an active exception"),
    "an uncaught C++ exception": ("terminate called after throwing an instance of 'c10::Error'\n  what():  boom\n",
                                  "terminate called after throwing an instance of 'c10::Error'"),
    "a fatal interpreter error": ("Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n",
                                  "Fatal Python error: Segmentation fault"),
    "a rank the launcher saw fail": ("E1204 torch/distributed/elastic/multiprocessing/api.py:1002] failed (exitcode: -6) "
                                     "local_rank: 1 (pid: 6) of binary: /usr/bin/python\n",
                                     "E1204 torch/distributed/elastic/multiprocessing/api.py:1002] failed (exitcode: -6) "
                                     "local_rank: 1 (pid: 6) of binary: /usr/bin/python"),
}
CLEAN = {
    "warnings": "train.py:4: UserWarning: Implicit dimension choice for softmax has been deprecated.\n  y = F.softmax(x)\n",
    "a launcher's FutureWarning": "FutureWarning: The module torch.distributed.launch is deprecated\n",
    "teardown noise in __del__": ("Exception ignored in: <function _MultiProcessingDataLoaderIter.__del__ at 0x7f>\n"
                                  "Traceback (most recent call last):\n  File \"dataloader.py\", line 1, in __del__\n"
                                  "AttributeError: 'NoneType' object has no attribute 'is_alive'\n"),
    "a log that names tracebacks": "tip: set TORCH_SHOW_CPP_STACKTRACES=1 for a traceback\nloss 0.1\n",
    "nothing": "",
}


@pytest.mark.parametrize("output, crash", CRASHED.values(), ids=CRASHED)
def test_a_crash_in_the_output_is_named_by_its_line(output, crash):
    assert crash_in(output) == crash


@pytest.mark.parametrize("output", CLEAN.values(), ids=CLEAN)
def test_output_without_a_crash_names_none(output):
    assert crash_in(output) == ""
