import pytest

from assistant.answering.query import QueryError, parse_query

NOISY_LOG = """\
2026-11-02 10:14:07 INFO  Starting run 17 (seed=3)
Epoch 1/20
 12%|█▏        | 12/100 [00:03<00:24,  3.61it/s]\r 13%|█▎        | 13/100 [00:03<00:23,  3.64it/s]
Traceback (most recent call last):
  File "/home/ana/proj/train.py", line 88, in <module>
    logits = model(tokens)
             ^^^^^^^^^^^^^
  File "/home/ana/.venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1775, in _wrapped_call_impl
    return self._call_impl(*args, **kwargs)
  File "/home/ana/proj/model.py", line 31, in forward
    x = self.norm(x)
  File "/home/ana/.venv/lib/python3.11/site-packages/torch/nn/modules/batchnorm.py", line 193, in forward
    return F.batch_norm(
  File "/home/ana/.venv/lib/python3.11/site-packages/torch/nn/functional.py", line 2817, in batch_norm
    return torch.batch_norm(
           ^^^^^^^^^^^^^^^^^
RuntimeError: running_mean should contain 40 elements not 128
wandb: Waiting for W&B process to finish... (failed 1).
"""

CHAINED = """\
Traceback (most recent call last):
  File "/srv/app/data.py", line 12, in load
    return cache[key]
KeyError: 'batch_7'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/app/train.py", line 40, in <module>
    loss = criterion(out, target)
  File "/usr/lib/python3/dist-packages/torch/nn/modules/loss.py", line 1310, in forward
    return F.cross_entropy(input, target, weight=self.weight,
RuntimeError: expected scalar type Long but found Float
"""

MULTILINE_MESSAGE = """\
Traceback (most recent call last):
  File "eval.py", line 9, in <module>
    model.load_state_dict(state)
RuntimeError: Error(s) in loading state_dict for Net:
\tMissing key(s) in state_dict: "fc.weight", "fc.bias".
\tUnexpected key(s) in state_dict: "module.fc.weight", "module.fc.bias".
Done.
"""


def test_noisy_traceback_yields_final_exception_layer_and_user_line():
    query = parse_query(NOISY_LOG)
    assert query.kind == "traceback"
    assert query.error.type == "RuntimeError"
    assert query.error.message == "running_mean should contain 40 elements not 128"
    assert query.error.layer == "batchnorm"
    assert query.error.user_frame.file == "/home/ana/proj/model.py"
    assert query.error.user_frame.code == "x = self.norm(x)"
    assert "wandb" not in query.search_text and "Epoch" not in query.search_text


def test_chained_exceptions_report_the_last_one():
    query = parse_query(CHAINED)
    assert (query.error.type, query.error.message) == ("RuntimeError", "expected scalar type Long but found Float")
    assert query.error.layer == "loss"
    assert query.error.user_frame.line == 40


def test_indented_continuation_lines_belong_to_the_message():
    query = parse_query(MULTILINE_MESSAGE)
    assert query.error.message.startswith("Error(s) in loading state_dict for Net:")
    assert 'Unexpected key(s) in state_dict: "module.fc.weight"' in query.error.message
    assert "Done." not in query.error.message


def test_bare_error_line_and_qualified_exception_names():
    query = parse_query("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")
    assert (query.kind, query.error.type) == ("error", "OutOfMemoryError")
    assert query.error.message.startswith("CUDA out of memory")


def test_a_private_exception_class_is_an_error_too():
    query = parse_query("torch._C._LinAlgError: linalg.eigh: The algorithm failed to converge because the input "
                        "matrix is ill-conditioned or has too many repeated eigenvalues (error code: 3).")
    assert (query.kind, query.error.type) == ("error", "_LinAlgError")
    assert query.error.message.startswith("linalg.eigh: The algorithm failed")


def test_warning_line_is_an_error_query():
    text = "/home/u/train.py:12: UserWarning: Implicit dimension choice for softmax has been deprecated.\n  p = F.softmax(x)"
    query = parse_query(text)
    assert (query.kind, query.error.type) == ("error", "UserWarning")
    assert query.error.message.startswith("Implicit dimension choice")


def test_ansi_colours_are_stripped():
    query = parse_query("\x1b[31mValueError\x1b[0m: Expected more than 1 value per channel when training")
    assert query.error.type == "ValueError"


def test_code_and_questions_are_told_apart():
    code = "import torch\nmodel = torch.nn.Linear(4, 2)\nout = model(torch.randn(3, 5))\nprint(out)"
    assert parse_query(code).kind == "code"
    assert parse_query("where should I put batchnorm, before or after relu?").kind == "question"
    assert parse_query("my loss is nan after a few epochs").error is None


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_query_is_refused(text):
    with pytest.raises(QueryError, match="empty"):
        parse_query(text)


def test_huge_paste_is_refused():
    with pytest.raises(QueryError, match="too long"):
        parse_query("x" * 10_000_000)


SCRIPT_WITH_HANDLERS = '''\
import json
import torch
import torch.nn as nn

def load_config(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {"hidden": 64}
    except json.JSONDecodeError as error:
        raise SystemExit(f"bad config: {error}")

config = load_config("config.json")
model = nn.Sequential(nn.Linear(10, config["hidden"]), nn.ReLU())
try:
    out = model(torch.randn(4, 12))
except RuntimeError:
    raise
finally:
    print("done")
while True:
    break
else:
    pass
'''


def test_a_script_full_of_try_except_blocks_is_code():
    assert parse_query(SCRIPT_WITH_HANDLERS).kind == "code"


WEIGHTS_ONLY_REFUSAL = """\
Traceback (most recent call last):
  File "/home/u/infer.py", line 7, in <module>
    state = torch.load("model.pt")
_pickle.UnpicklingError: Weights only load failed. In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to `True`.
Please file an issue with the following so that we can make `weights_only=True` compatible with your use case: WeightsUnpickler error: 

Unsupported operand 60

Check the documentation of torch.load to learn more about types accepted by default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.
"""


def test_a_message_printed_over_unindented_lines_is_continued_for_matching():
    query = parse_query(WEIGHTS_ONLY_REFUSAL)
    assert query.error.message.startswith("Weights only load failed") and "operand" not in query.error.message
    continued = query.continued_message(query.error)
    assert continued.startswith("Weights only load failed") and "Unsupported operand 60" in continued
    assert parse_query("RuntimeError: tensor a is wrong").continued_message(parse_query("RuntimeError: x").error) == ""


def test_a_continued_message_stops_at_the_next_link_of_the_chain():
    query = parse_query(CHAINED)
    first = query.raised.chain[0]
    assert query.continued_message(first) == ""  # nothing but the chain sentence follows it


def test_the_context_of_an_error_is_its_frames_and_the_users_words():
    text = NOISY_LOG + "the labels come from a 0/1 csv column\n"
    context = parse_query(text).context_text
    assert "batchnorm forward" in context and "x = self.norm(x)" in context
    assert "the labels come from a 0/1 csv column" in context
    assert "running_mean should contain" not in context and "Traceback" not in context


def test_an_argparse_usage_error_is_the_error_of_a_log_without_a_traceback():
    log = ("/venv/lib/python3.11/site-packages/torch/distributed/launch.py:207: FutureWarning: The module "
           "torch.distributed.launch is deprecated\nusage: train.py [-h] [--local_rank LOCAL_RANK]\n"
           "train.py: error: unrecognized arguments: --local-rank=1\n")
    query = parse_query(log)
    assert (query.kind, query.error.type, query.error.message) == ("error", "SystemExit", "unrecognized arguments: --local-rank=1")


def test_an_exception_printed_with_its_whole_message_below_it_is_continued_from_there():
    summary = ("Traceback (most recent call last):\n  File \"/venv/bin/torchrun\", line 8, in <module>\n"
               "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: \n"
               "============================================================\ntrain.py FAILED\n"
               "Root Cause (first observed failure):\n[0]:\n  rank      : 0 (local_rank: 0)\n  exitcode  : 2 (pid: 14717)\n")
    query = parse_query(summary)
    continued = query.continued_message(query.error)
    assert continued.startswith("=====") and "exitcode  : 2 (pid: 14717)" in continued


@pytest.mark.parametrize("text", [
    "model = nn.Sequential(\n    nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),\n    nn.Conv2d(16, 32, 3), nn.ReLU(),\n"
    "    nn.Flatten(),\n    nn.Linear(32 * 5 * 5, 10),\n)",
    "    h = self.encoder(\n        tokens,\n        mask=pad_mask,\n    )\n    return self.head(h[:, 0])",
])
def test_code_whose_lines_are_continuations_of_one_call_is_code(text):
    """Continuation lines look like nothing alone; that the paste parses as Python doing something decides."""
    assert parse_query(text).kind == "code"


@pytest.mark.parametrize("text", ["help\nplease", "why does my loss\nnot decrease after epoch 3?",
                                  "epoch 1 loss 0.52\nepoch 2 loss 0.49\nepoch 3 loss 0.49"])
def test_prose_and_logs_that_do_not_parse_as_code_stay_questions(text):
    assert parse_query(text).kind == "question"


def test_a_run_stopped_with_ctrl_c_is_read_as_the_log_it_printed():
    query = parse_query("$ python train.py\n[epoch 1] loss=0.3255\n[epoch 2] loss=inf\n[epoch 3] loss=nan\n"
                        "[epoch 4] loss=nan\n^CTraceback (most recent call last):\n"
                        '  File "/home/kim/train.py", line 61, in train_one_epoch\n    for x, _ in loader:\nKeyboardInterrupt')
    assert query.error is None
    assert "the loss becomes nan" in query.search_text


def test_a_paste_of_printed_values_is_mostly_numbers_and_a_question_is_not():
    assert parse_query("trainable params: 453 / 8709\nparams given to optimizer: 8709").mostly_numbers
    assert not parse_query("why does my loss stay at 2.30 for 10 classes?").mostly_numbers
    assert not parse_query("RuntimeError: running_mean should contain 40 elements not 128").mostly_numbers
