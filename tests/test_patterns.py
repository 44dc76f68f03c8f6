"""Error patterns: what the placeholder syntax matches, and that no pasted message can make
matching slow (kb serve matches whatever any local user sends it)."""

import subprocess
import sys
from pathlib import Path

import pytest
import re2

from kb.documents import read_document
from kb.ingest import shipped_corpus_dir
from kb.patterns import ErrorPattern, PatternError

from assistant.answering.query import parse_query
from assistant.answering.retrieval import Retriever

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_CHARS = 1_000_000  # the longest query kb accepts


def corpus_patterns() -> list[str]:
    return [p.text for path in sorted(shipped_corpus_dir().glob("*.md")) for p in read_document(path).patterns]


def test_values_are_kept_under_their_names():
    message = "RuntimeError: running_mean should contain 50 elements not 256"
    found = ErrorPattern("running_mean should contain {channels} elements not {num_features}").match(message)
    assert found.facts == {"channels": "50", "num_features": "256"}
    assert found.coverage == len(message.removeprefix("RuntimeError: ")) / len(message)


@pytest.mark.parametrize("value", ["torch.Size([32, 50])", "[32, 50]", "(4, 5)", "torch.float32", "cuda:0",
                                   "-1e-05", "fc.wéight", "'conv.bias'"])
def test_a_value_placeholder_takes_every_kind_of_value(value):
    assert ErrorPattern("got {value} here").match(f"GOT  {value}\nhere").facts == {"value": value.strip("'")}


def test_any_text_is_as_short_as_possible_and_spans_lines():
    found = ErrorPattern("expected {*} got {n}").match("Expected a\nb got 3 got 4")
    assert found.facts == {"n": "3"}


@pytest.mark.parametrize("text, words", [("size {a} vs {a}", "twice"), ("{*}  {*}", "no literal text")])
def test_unusable_patterns_are_refused(text, words):
    with pytest.raises(PatternError, match=words):
        ErrorPattern(text).regex


def test_every_corpus_pattern_runs_on_an_engine_with_linear_time_search():
    """RE2 guarantees search time linear in the message, whatever the pattern: the property that
    matters here, checked without timing anything."""
    patterns = corpus_patterns()
    assert patterns
    assert all(isinstance(ErrorPattern(text).regex, re2._Regexp) for text in patterns)


HOSTILE = {
    # issue #8: a {*} whose following literal never comes, after each of many candidate starts
    "lazy gap": "RuntimeError: array has to be sorted in decreasing order" + " lengths" * (HOSTILE_CHARS // 8 - 10),
    "unclosed brackets": "RuntimeError: running_mean should contain " + "[" * HOSTILE_CHARS,
    "unclosed parentheses": "RuntimeError: mat1 and mat2 shapes cannot be multiplied " + "(" * HOSTILE_CHARS,
    "unclosed quotes": "KeyError: Error(s) in loading state_dict for Net: Missing key(s) " + "'" * HOSTILE_CHARS,
    "white space runs": "RuntimeError: expected" + " \t" * (HOSTILE_CHARS // 2) + "x",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_message_of_the_longest_size_is_matched_against_the_whole_corpus(name):
    """Run in a child so that a regression fails here instead of hanging the suite: the backtracking
    engine took 37 s for the lazy gap at a fifth of this size and never finished at this one."""
    code = ("import sys\nfrom tests.test_patterns import HOSTILE, corpus_patterns\nfrom kb.patterns import ErrorPattern\n"
            "message = HOSTILE[sys.argv[1]]\nfolded = message.casefold()\n"
            "print(sum(ErrorPattern(t).match(message, folded) is not None for t in corpus_patterns()))\n")
    result = subprocess.run([sys.executable, "-c", code, name], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().isdigit()


def test_text_a_wildcard_skips_is_not_coverage():
    message = 'Missing key(s) in state_dict: "fc.weight". Unexpected key(s) in state_dict: "module.fc.weight"'
    broad = ErrorPattern('Missing key(s) in state_dict: {*}. Unexpected key(s) in state_dict: "{prefix}.{*}"').match(message)
    exact = ErrorPattern('Missing key(s) in state_dict: "{key}". Unexpected key(s) in state_dict: "module.{same}"').match(message)
    assert broad.facts == {"prefix": "module.fc"}
    assert broad.coverage < exact.coverage == 1.0
    skipped = len('"fc.weight"') + len('weight')  # what the two {*} stood for
    assert broad.coverage == pytest.approx((len(message) - skipped) / len(message))


def corpus_retriever() -> Retriever:
    """Signature matching over the shipped corpus alone (no index, no model)."""
    documents = [read_document(path) for path in sorted(shipped_corpus_dir().glob("*.md"))]

    class CorpusPatterns:
        generation = 1

        def patterns(self) -> list[tuple[str, str]]:
            return [(document.doc_id, p.text) for document in documents for p in document.patterns]

    return Retriever(CorpusPatterns(), lambda text: None)


# Real messages (captured from torch 2.13 unless said otherwise), and the entry that must explain
# each one best of the whole corpus.
EXPLAINED_BEST = [
    # torch.load of an HTML page saved as model.pt: the decisive line comes after a blank line
    ("torch-load-not-a-checkpoint",
     "_pickle.UnpicklingError: Weights only load failed. In PyTorch 2.6, we changed the default value of the "
     "`weights_only` argument in `torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` "
     "set to `False` will likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
     "file from a trusted source.\nPlease file an issue with the following so that we can make `weights_only=True` "
     "compatible with your use case: WeightsUnpickler error: \n\nUnsupported operand 60\n\nCheck the documentation "
     "of torch.load to learn more about types accepted by default with weights_only "
     "https://pytorch.org/docs/stable/generated/torch.load.html."),
    # Python 3.11, `import torch; torch.randn(2)` beside a torch.py of one's own
    ("local-file-shadows-torch", "AttributeError: module 'torch' has no attribute 'randn'"),
    # a forward() without return, its output used as a tensor
    ("forward-returns-none", "AttributeError: 'NoneType' object has no attribute 'size'"),
    ("forward-returns-none", "AttributeError: 'NoneType' object has no attribute 'argmax'"),
    # a DataParallel / torch.compile checkpoint loaded into the bare model
    ("state-dict-module-prefix", 'RuntimeError: Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in '
     'state_dict: "0.weight", "0.bias". \n\tUnexpected key(s) in state_dict: "module.0.weight", "module.0.bias". '),
    ("state-dict-module-prefix", 'RuntimeError: Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in '
     'state_dict: "0.weight", "0.bias". \n\tUnexpected key(s) in state_dict: "_orig_mod.0.weight", "_orig_mod.0.bias". '),
    # samples of two lengths collated in a worker, torch 1.13-2.2 (looked up: the worker's re-raise)
    ("stack-unequal-size", "RuntimeError: Caught RuntimeError in DataLoader worker process 0.\nOriginal Traceback "
     "(most recent call last):\n  File \"/venv/lib/python3.9/site-packages/torch/utils/data/_utils/collate.py\", "
     "line 162, in collate_tensor_fn\n    out = elem.new(storage).resize_(len(batch), *list(elem.size()))\n"
     "RuntimeError: Trying to resize storage that is not resizable\n"),
    # argparse knowing only --local_rank, started by torch.distributed.launch of torch 2.x
    ("distributed-launch-local-rank-arg", "usage: lr.py [-h] [--local_rank LOCAL_RANK]\n"
                                          "lr.py: error: unrecognized arguments: --local-rank=1"),
]


@pytest.mark.parametrize("entry_id, message", EXPLAINED_BEST)
def test_a_real_message_is_explained_best_by_its_entry(entry_id, message):
    query = parse_query(message)
    _, matches = corpus_retriever().focus(query)
    assert matches and matches[0][0] == entry_id, [source for source, _ in matches[:3]]


# Real messages that two entries explain alike (one message, two causes): each entry must match it
# as well as the other, so that the rest of the paste decides between them.
SHARED = [
    # `x.double() @ self.proj` with a float attribute, torch 2.13
    ("RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float",
     {"plain-tensor-attribute-not-buffer", "matmul-dtype-mismatch"}),
    # a constant attribute left on the CPU by model.cuda() (torch's wording of older releases)
    ("RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
     {"plain-tensor-attribute-not-buffer", "device-mismatch"}),
]


@pytest.mark.parametrize("message, entries", SHARED)
def test_a_shared_message_is_explained_equally_by_both_entries(message, entries):
    _, matches = corpus_retriever().focus(parse_query(message))
    best = matches[0][1].coverage
    assert {source for source, match in matches if match.coverage == best} >= entries


CUDA_ADVICE = ("\nCUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below "
               "might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
               "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.\n")


@pytest.mark.parametrize("headline", ["RuntimeError: CUDA error: the launch timed out and was terminated",
                                      "RuntimeError: CUDA error: invalid configuration argument"])
@pytest.mark.parametrize("traceback", ["", 'Traceback (most recent call last):\n  File "t.py", line 3, in <module>\n    y = f(x)\n'])
def test_the_advice_every_cuda_error_carries_explains_none_of_them(headline, traceback):
    """The lines printed after a message may continue it, but no entry may claim an error by them."""
    _, matches = corpus_retriever().focus(parse_query(traceback + headline + CUDA_ADVICE))
    assert matches == []
