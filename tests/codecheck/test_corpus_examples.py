"""The corpus's own examples as a check on the detectors: every entry's fixed example is correct code
and gets no finding at all, and the broken example of an entry that declares detectors is found
under that entry (where code alone shows its situation: the exceptions say why not)."""

from __future__ import annotations

import pytest

from assistant.codecheck import check_source
from assistant.codecheck.declared import declarations
from assistant.repair.corpus_check import example
from kb.documents import read_document
from kb.ingest import shipped_corpus_dir

ENTRIES = {path.stem: read_document(path) for path in sorted(shipped_corpus_dir().glob("*.md"))}
# Broken examples that show the entry's situation in a shape no detector recognises yet.
NOT_FOUND_YET = {
    "numpy-non-cpu-tensor": "the broken example's weights are on the meta device (built under with torch.device('meta')); "
                            "the detector sees .cuda() and .to('cuda') moves",
    "numpy-object-array": "the broken example is a ragged nested list; the detector sees object-dtype NumPy arrays",
    "bool-mask-shape-mismatch": "the broken example's [N, 1] mask is a Linear head's output, not a keepdim "
                                "reduction of the tensor it indexes, which is what the detector sees",
    "ddp-module-device-ids": "the broken example replaces a layer of a wrapped DataParallel model on the CPU; the "
                             "detector sees a DDP model moved to the default GPU while device_ids names a rank",
    "dataloader-worker-exited-unexpectedly": "the broken example crashes a worker with a native read of address 0; "
                                             "the detector sees an HDF5 or LMDB handle shared by forked workers",
    "cuda-reinit-forked-subprocess": "the broken example forks a multiprocessing Pool whose function makes CUDA "
                                     "tensors; the detector sees a Dataset of CUDA tensors under DataLoader workers",
    "reproducibility-seeding": "the broken example trains twice in one process without reseeding torch; the "
                               "detector sees NumPy or random draws that torch.manual_seed leaves unseeded",
    "dist-env-rank-missing": "the broken example is a script, correct when torchrun starts it; the detector sees "
                             "notebook cells and the file's own spawned workers, which no launcher starts",
    "batchnorm-sequence-features": "the broken example is BatchNorm1d(T) on a bare tensor, which only its names "
                                   "(B, T, C) tell from [N, C, L]; the detector sees the norm feed a batch_first RNN",
    "expand-size-mismatch": "the broken example expands a [B] vector to (B, T), sizes held in a tuple unpacking; "
                            "the detector sees a sequence cut to N items assigned into a slot N wide",
    "pin-memory-no-accelerator-warning": "the broken example falls back to the CPU only when CUDA is missing, so on a "
                                         "GPU its pin_memory=True is right; the detector sees programs whose only "
                                         "device is the CPU",
    "stack-unequal-size": "the broken example's token sequences get random lengths from torch.randint in __init__; "
                          "the detector sees audio clips read at their own length in __getitem__",
    "torch-load-cuda-checkpoint-on-cpu": "the broken example writes the GPU tags itself with a storage tagger "
                                         "that names 'cuda:0'; the detector sees code that uses no CUDA loading a "
                                         "checkpoint its comments say a GPU saved",
    "permute-dims-mismatch": "the broken example's one grayscale image is an item of a list the dataset fills in "
                             "__init__; the detector sees ranks the code shows for certain (grayscale decodes, "
                             "factories with literal sizes)",
}


def test_no_fixed_example_of_any_entry_gets_a_finding():
    found = [f"{entry_id}:{f.line}: KB-{f.entry_id} {f.message}" for entry_id, document in ENTRIES.items()
             if (code := example(document, "Fixed example")) for f in check_source(code)]
    assert found == []


@pytest.mark.parametrize("entry_id", [e for e in sorted(declarations()) if example(ENTRIES[e], "Broken example")])
def test_the_broken_example_of_a_declaring_entry_is_found_under_it(entry_id):
    found = {f.entry_id for f in check_source(example(ENTRIES[entry_id], "Broken example"))}
    if entry_id in NOT_FOUND_YET:
        assert entry_id not in found, "found now: drop it from NOT_FOUND_YET"
    else:
        assert entry_id in found
