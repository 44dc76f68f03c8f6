"""The error that matters behind wrappers and teardown errors (real-looking logs of each kind)."""

from pathlib import Path

import pytest

from kb.ingest import ingest, shipped_corpus_files
from kb.store import Store

from assistant.answering.engine import Engine
from assistant.answering.query import parse_query
from tests.fakes import FakeEmbedder

TORCHRUN = """\
W1201 09:12:44.301000 2211 torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for each process to be 1
[rank1]: Traceback (most recent call last):
[rank0]: Traceback (most recent call last):
[rank0]:   File "/work/seg/train.py", line 77, in <module>
[rank0]:     main()
[rank0]:   File "/work/seg/train.py", line 61, in main
[rank0]:     loss = criterion(logits, labels)
[rank0]:            ^^^^^^^^^^^^^^^^^^^^^^^^^
[rank0]:   File "/opt/conda/lib/python3.11/site-packages/torch/nn/modules/loss.py", line 1310, in forward
[rank0]:     return F.cross_entropy(
[rank0]:   File "/opt/conda/lib/python3.11/site-packages/torch/nn/functional.py", line 3462, in cross_entropy
[rank0]:     return torch._C._nn.cross_entropy_loss(
[rank0]: IndexError: Target 21 is out of bounds.
[rank1]:   File "/work/seg/train.py", line 58, in main
[rank1]:     dist.barrier()
[rank1]: torch.distributed.DistBackendError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [10.0.0.2]:43121
E1201 09:12:51.880000 2211 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 0 (pid: 2240) of binary: /opt/conda/bin/python
Traceback (most recent call last):
  File "/opt/conda/bin/torchrun", line 8, in <module>
    sys.exit(main())
  File "/opt/conda/lib/python3.11/site-packages/torch/distributed/run.py", line 919, in main
    run(args)
  File "/opt/conda/lib/python3.11/site-packages/torch/distributed/launcher/api.py", line 263, in launch_agent
    raise ChildFailedError(
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-01_09:12:51
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 2240)
============================================================
"""

LIGHTNING_TEARDOWN = """\
Epoch 0:   3%|▎         | 4/125 [00:01<00:41,  2.93it/s, v_num=7]
Traceback (most recent call last):
  File "/home/li/asr/train.py", line 44, in <module>
    trainer.fit(model, datamodule=dm)
  File "/home/li/.venv/lib/python3.11/site-packages/lightning/pytorch/trainer/trainer.py", line 538, in fit
    call._call_and_handle_interrupt(
  File "/home/li/asr/model.py", line 30, in forward
    x = self.norm(x)
  File "/home/li/.venv/lib/python3.11/site-packages/torch/nn/modules/normalization.py", line 217, in forward
    return F.layer_norm(
  File "/home/li/.venv/lib/python3.11/site-packages/torch/nn/functional.py", line 2900, in layer_norm
    return torch.layer_norm(
RuntimeError: Given normalized_shape=[256], expected input with shape [*, 256], but got input of size[8, 120, 80]

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/home/li/asr/train.py", line 44, in <module>
    trainer.fit(model, datamodule=dm)
  File "/home/li/.venv/lib/python3.11/site-packages/lightning/pytorch/trainer/call.py", line 68, in _call_and_handle_interrupt
    trainer._teardown()
  File "/home/li/.venv/lib/python3.11/site-packages/lightning/pytorch/loggers/csv_logs.py", line 155, in finalize
    self.experiment.save()
AttributeError: 'NoneType' object has no attribute 'save'
"""

DATALOADER_WORKER = """\
Traceback (most recent call last):
  File "/data/proj/train.py", line 52, in <module>
    for images, labels in loader:
  File "/usr/lib/python3/dist-packages/torch/utils/data/dataloader.py", line 733, in __next__
    data = self._next_data()
  File "/usr/lib/python3/dist-packages/torch/_utils.py", line 755, in reraise
    raise exception
IndexError: Caught IndexError in DataLoader worker process 1.
Original Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/torch/utils/data/_utils/worker.py", line 349, in _worker_loop
    data = fetcher.fetch(index)
  File "/data/proj/dataset.py", line 31, in __getitem__
    box = self.boxes[idx][4]
IndexError: index 4 is out of bounds for dimension 0 with size 4
"""

REPLICA = """\
Traceback (most recent call last):
  File "main.py", line 20, in <module>
    out = model(batch)
RuntimeError: Caught RuntimeError in replica 0 on device 0.
Original Traceback (most recent call last):
  File "/usr/local/lib/python3.10/dist-packages/torch/nn/parallel/parallel_apply.py", line 96, in _worker
    output = module(*input, **kwargs)
  File "/srv/net.py", line 14, in forward
    return self.fc(x)
RuntimeError: mat1 and mat2 shapes cannot be multiplied (16x2048 and 512x10)
"""

DIRECT_CAUSE = """\
Traceback (most recent call last):
  File "/app/infer.py", line 9, in load
    state = torch.load(path, map_location="cpu")
RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/infer.py", line 30, in <module>
    model = load("ckpt.pt")
  File "/app/infer.py", line 11, in load
    raise RuntimeError(f"could not load checkpoint {path}") from error
RuntimeError: could not load checkpoint ckpt.pt
"""


def test_torchrun_log_answers_the_failing_ranks_error_not_the_launcher_summary():
    query = parse_query(TORCHRUN)
    assert query.raised.type == "ChildFailedError"
    assert (query.error.type, query.error.message) == ("IndexError", "Target 21 is out of bounds.")
    assert query.error.user_frame.line == 61
    assert [link.type for link in query.raised.chain] == ["IndexError", "ChildFailedError"]


def test_dataloader_worker_reraise_is_unwrapped_to_the_original_traceback():
    query = parse_query(DATALOADER_WORKER)
    assert query.raised.message == "Caught IndexError in DataLoader worker process 1."
    assert query.error.message == "index 4 is out of bounds for dimension 0 with size 4"
    assert query.error.user_frame.file == "/data/proj/dataset.py"
    assert query.error.user_frame.code == "box = self.boxes[idx][4]"


def test_dataparallel_replica_reraise_is_unwrapped():
    query = parse_query(REPLICA)
    assert query.error.message == "mat1 and mat2 shapes cannot be multiplied (16x2048 and 512x10)"
    assert query.error.layer is None and query.error.user_frame.line == 14


def test_chains_keep_every_link_root_first():
    query = parse_query(LIGHTNING_TEARDOWN)
    assert [(link.type, link.link) for link in query.raised.chain] == [("RuntimeError", None), ("AttributeError", "context")]
    query = parse_query(DIRECT_CAUSE)
    assert [link.link for link in query.raised.chain] == [None, "cause"]
    assert query.raised.chain[0].message.startswith("PytorchStreamReader failed")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    embedder = FakeEmbedder()
    store = Store.create(Path(tmp_path_factory.mktemp("kb")) / "index", model=embedder.name, dim=embedder.dim)
    ingest(store, shipped_corpus_files(), embedder)
    return Engine(store, embedder)


def test_the_root_error_an_entry_explains_beats_the_teardown_error_after_it(engine):
    answer = engine.ask(LIGHTNING_TEARDOWN)
    assert answer.match == "confident"
    assert answer.results[0].id == "layernorm-shape-mismatch"
    described = answer.to_json()["query"]
    assert described["message"].startswith("Given normalized_shape=[256]")
    assert [link["type"] for link in described["chain"]] == ["RuntimeError", "AttributeError"]


def test_torchrun_log_is_answered_with_the_ranks_entry(engine):
    answer = engine.ask(TORCHRUN)
    assert answer.results[0].id == "cross-entropy-target-out-of-bounds"


def test_a_later_error_an_entry_explains_is_still_answered(engine):
    chained = (
        "Traceback (most recent call last):\n  File \"/srv/data.py\", line 12, in load\n    return cache[key]\n"
        "KeyError: 'batch_7'\n\nDuring handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n  File \"/srv/train.py\", line 40, in <module>\n"
        "    loss = F.nll_loss(out, target)\nRuntimeError: expected scalar type Long but found Float\n"
    )
    answer = engine.ask(chained)
    assert answer.query.error.type == "RuntimeError" and answer.match == "confident"


TORCHSCRIPT = """\
Traceback (most recent call last):
  File "/srv/serve/infer.py", line 23, in <module>
    scores = scripted(batch)
             ^^^^^^^^^^^^^^^
  File "/opt/venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1751, in _wrapped_call_impl
    return self._call_impl(*args, **kwargs)
RuntimeError: The following operation failed in the TorchScript interpreter.
Traceback of TorchScript, original code (most recent call last):
  File "/srv/serve/model.py", line 31, in forward
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.head(x)
               ~~~~~~~~~ <--- HERE
  File "/opt/venv/lib/python3.11/site-packages/torch/nn/modules/linear.py", line 125, in forward
    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)
               ~~~~~~~~ <--- HERE
RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x4608 and 1152x10)
"""

HF_TRAINER = """\
{'loss': 1.9312, 'grad_norm': 4.11, 'learning_rate': 4.9e-05, 'epoch': 0.05}
  3%|▎         | 12/375 [00:09<04:31,  1.34it/s]Traceback (most recent call last):
  File "/home/ana/finetune/run_cls.py", line 104, in <module>
    trainer.train()
  File "/home/ana/.venv/lib/python3.11/site-packages/transformers/trainer.py", line 2241, in train
    return inner_training_loop(
           ^^^^^^^^^^^^^^^^^^^^
  File "/home/ana/.venv/lib/python3.11/site-packages/transformers/trainer.py", line 2548, in _inner_training_loop
    tr_loss_step = self.training_step(model, inputs, num_items_in_batch)
  File "/home/ana/.venv/lib/python3.11/site-packages/transformers/trainer.py", line 3698, in training_step
    loss = self.compute_loss(model, inputs, num_items_in_batch=num_items_in_batch)
  File "/home/ana/finetune/run_cls.py", line 57, in compute_loss
    loss = F.cross_entropy(outputs.logits, labels)
  File "/home/ana/.venv/lib/python3.11/site-packages/torch/nn/functional.py", line 3494, in cross_entropy
    return torch._C._nn.cross_entropy_loss(
IndexError: Target 7 is out of bounds.

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/home/ana/.venv/lib/python3.11/site-packages/wandb/sdk/wandb_run.py", line 2301, in _atexit_cleanup
    self._on_finish()
  File "/home/ana/.venv/lib/python3.11/site-packages/wandb/sdk/interface/interface_sock.py", line 46, in _publish
    self._sock_client.send_record_publish(record)
BrokenPipeError: [Errno 32] Broken pipe
"""


def test_the_torchscript_interpreters_wrapper_gives_way_to_the_original_error():
    query = parse_query(TORCHSCRIPT)
    assert query.raised.message == "The following operation failed in the TorchScript interpreter."
    assert query.error.message == "mat1 and mat2 shapes cannot be multiplied (8x4608 and 1152x10)"
    assert query.error.layer == "linear"


def test_a_trainer_run_is_answered_for_the_loss_error_not_the_loggers_teardown(engine):
    query = parse_query(HF_TRAINER)
    assert [link.type for link in query.raised.chain] == ["IndexError", "BrokenPipeError"]
    root = query.raised.chain[0].user_frame  # the progress bar glued to the first traceback did not hide it
    assert (root.file, root.line) == ("/home/ana/finetune/run_cls.py", 57)
    answer = engine.ask(HF_TRAINER)
    assert answer.results[0].id == "cross-entropy-target-out-of-bounds" and answer.match == "confident"
    assert answer.query.error.message == "Target 7 is out of bounds."


def test_a_torchscript_log_is_answered_with_the_original_errors_entry(engine):
    assert engine.ask(TORCHSCRIPT).results[0].id == "linear-shape-mismatch"


SPAWNED_CHILD = """\
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

        This probably means that you are not using fork to start your
        child processes and you have forgotten to use the proper idiom
        in the main module:

            if __name__ == '__main__':
                freeze_support()
                ...
Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "C:\\\\Users\\\\lee\\\\miniconda3\\\\Lib\\\\multiprocessing\\\\spawn.py", line 122, in spawn_main
    exitcode = _main(fd, parent_sentinel)
EOFError: Ran out of input
"""


def test_an_error_printed_above_the_first_traceback_is_the_root_of_its_chain():
    query = parse_query(SPAWNED_CHILD)
    assert [(link.type, link.link) for link in query.raised.chain] == [("RuntimeError", None), ("EOFError", "log")]
    assert query.raised.chain[0].message.startswith("An attempt has been made to start a new process")


def test_a_warning_above_the_first_traceback_is_no_root():
    query = parse_query("UserWarning: Implicit dimension choice for softmax has been deprecated.\n" + SPAWNED_CHILD.split("\n", 11)[-1])
    assert [link.type for link in query.raised.chain] == ["EOFError"]


def test_the_spawned_childs_own_error_is_answered_not_the_parents_empty_read(engine):
    answer = engine.ask(SPAWNED_CHILD)
    assert answer.results[0].id == "dataloader-spawn-main-guard"


WORKER_KEYERROR = """\
Traceback (most recent call last):
  File "/home/sofia/captioning/train.py", line 30, in <module>
    for images, captions in loader:
  File "/home/sofia/.venv/lib/python3.11/site-packages/torch/_utils.py", line 750, in reraise
    raise exception
KeyError: Caught KeyError in DataLoader worker process 0.
Original Traceback (most recent call last):
  File "/home/sofia/.venv/lib/python3.11/site-packages/torch/utils/data/_utils/worker.py", line 349, in _worker_loop
    data = fetcher.fetch(index)
  File "/home/sofia/captioning/train.py", line 12, in __getitem__
    return torch.zeros(3, 8, 8), item["caption"]
KeyError: 'caption'
"""


def test_a_worker_failure_no_entry_explains_is_answered_with_the_workers_entry(engine):
    answer = engine.ask(WORKER_KEYERROR)
    assert answer.results[0].id == "dataloader-worker-reraised-exception"
    assert answer.query.error.message.startswith("Caught KeyError in DataLoader worker process 0")
