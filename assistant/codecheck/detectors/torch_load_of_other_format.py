"""`torch.load` of a file that is not a PyTorch checkpoint, as the code itself shows it: a path named with
another format's extension (`.safetensors`, `.onnx`, Keras `.h5`, NumPy `.npy`), a file the code wrote
text into (`path.write_text(...)`), or the file that the code has just downloaded from a GitHub / Hugging
Face `/blob/` page, which is the HTML page showing the file, not the file ("invalid load key, '<'.")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._checkpoints import path_key
from assistant.codecheck.detectors._unpacked import known_value

name = "torch-load-of-other-format"
OTHER_FORMATS = {".safetensors": "safetensors.torch.load_file(path)", ".onnx": "onnx.load(path)",
                 ".h5": "the Keras/h5py loader", ".hdf5": "the Keras/h5py loader", ".keras": "the Keras loader",
                 ".tflite": "the TensorFlow Lite loader", ".npy": "numpy.load(path)", ".npz": "numpy.load(path)",
                 ".gguf": "a GGUF reader", ".t7": "a Lua Torch converter (torchfile)"}
DESTINATIONS = {"urlretrieve": "filename", "download_url_to_file": "dst", "download": "out"}  # its path argument
BLOB_PAGES = ("github.com/", "huggingface.co/")


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    for load in calls_to(code, "torch.load"):
        path = argument(load, 0, "f")
        file = _string(code, path)
        suffix = next((s for s in OTHER_FORMATS if file is not None and file.lower().endswith(s)), None)
        if suffix is not None:
            yield Hit.at(code, load, f"{source_of(load)} reads {file!r}, a {suffix} file, not a PyTorch checkpoint: "
                         f"torch.load cannot unpickle it; read it with {OTHER_FORMATS[suffix]}")
        elif (text := _text_written_to(code, path, load)) is not None:
            yield Hit.at(code, load, f"{source_of(load)} reads {source_of(path)}, into which line {text.lineno} wrote "  # type: ignore[arg-type]
                         f"text ({source_of(text.func)}(...)): a text file is not a checkpoint, and torch.load fails "
                         "on its first character; load the file the checkpoint was saved to")
        elif (page := _blob_page_saved_as(code, path)) is not None:
            yield Hit.at(code, load, f"{source_of(load)} reads what line {page.lineno} downloaded from "
                         f"{_string(code, page.args[0])!r}, a '/blob/' page: that URL serves the HTML page that "
                         "shows the file, so torch.load sees '<' (invalid load key); download the raw file "
                         "('/raw/' or '/resolve/' in place of '/blob/')", {"key": "'<'"})


def _string(code: Code, value: ast.expr | None) -> str | None:
    """The text of a string literal, or of the one a name certainly holds."""
    value = known_value(code, value)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def _text_written_to(code: Code, path: ast.expr | None, load: ast.Call) -> ast.Call | None:
    """`path.write_text(...)` on the very path, above the load (and no torch.save there)."""
    wanted = path_key(code, path)
    if wanted is None or any(path_key(code, argument(save, 1, "f")) == wanted for save in calls_to(code, "torch.save")):
        return None
    return next((call for call in code.calls_of("write_text") if isinstance(call.func, ast.Attribute)
                 and call.lineno < load.lineno and path_key(code, call.func.value) == wanted), None)


def _blob_page_saved_as(code: Code, path: ast.expr | None) -> ast.Call | None:
    """The `urlretrieve(url, path)` (or torch.hub.download_url_to_file, wget.download) of the same file,
    when its URL is a GitHub or Hugging Face `/blob/` page."""
    wanted = path_key(code, path)
    if wanted is None:
        return None
    for download in code.calls_of(*DESTINATIONS):
        if kind_of(download) == "download" and source_of(download.func) != "wget.download":
            continue
        url = _string(code, download.args[0]) if download.args else None
        saved = argument(download, 1, DESTINATIONS[kind_of(download)])
        if url and "/blob/" in url and any(site in url for site in BLOB_PAGES) and path_key(code, saved) == wanted:
            return download
    return None
