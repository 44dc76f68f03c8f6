"""Saving, inspecting and loading checkpoints defensively, then batch inference from them.

Covers the layouts checkpoints come in (a bare state_dict, a training dict
with a nested weights key, keys prefixed by a DataParallel/DDP wrapper or
torch.compile), loads with weights_only=True and map_location, reports
missing and unexpected keys instead of hiding them, and writes files
atomically so a crash never leaves a half-written checkpoint.

Inference is device-agnostic: eval mode under torch.inference_mode(), outputs
moved to the CPU before NumPy conversion, softmax over the class dim, and
top-k results per row written to CSV.
"""

import csv
import io
import os
from pathlib import Path
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


WEIGHT_KEYS = ("model_state_dict", "state_dict", "model")
PREFIXES = ("module.", "_orig_mod.")


def atomic_save(obj, path: Path) -> None:
    """Writes to a temporary file in the same folder, then renames it over the target."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp_name)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def extract_weights(checkpoint: dict) -> dict:
    """Returns the weights dict whether the file holds it bare or nested under a known key."""
    for key in WEIGHT_KEYS:
        if key in checkpoint and isinstance(checkpoint[key], dict):
            return checkpoint[key]
    return checkpoint


def strip_prefixes(state: dict) -> dict:
    cleaned = {}
    for key, value in state.items():
        for prefix in PREFIXES:
            key = key.removeprefix(prefix)
        cleaned[key] = value
    return cleaned


def load_weights(model: nn.Module, path: Path, device: str = "cpu") -> None:
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    state = strip_prefixes(extract_weights(checkpoint))
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise KeyError(f"missing {result.missing_keys}, unexpected {result.unexpected_keys}")


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 3))


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def demonstrate_checkpoints() -> None:
    torch.manual_seed(23)
    source = make_model()
    optimizer = torch.optim.Adam(source.parameters())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        layouts = {
            "bare.pt": source.state_dict(),
            "training.pt": {"epoch": 3, "model_state_dict": source.state_dict(),
                            "optimizer_state_dict": optimizer.state_dict()},
            "wrapped.pt": nn.DataParallel(source).state_dict(),
        }
        for name, payload in layouts.items():
            atomic_save(payload, folder / name)
        for name in layouts:
            target = make_model()
            load_weights(target, folder / name)
            print(f"{name:12s} loaded, identical: {same_weights(source, target)}")

        try:
            load_weights(nn.Sequential(nn.Linear(6, 12), nn.Linear(12, 3)), folder / "bare.pt")
        except KeyError as error:
            print("refused a mismatched model:", str(error)[:60], "...")
        print("files left in the folder:", sorted(p.name for p in folder.iterdir()))


CLASSES = ["cat", "dog", "bird", "fish"]


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, len(CLASSES)))


def export_weights(folder: Path) -> Path:
    path = folder / "classifier.pt"
    torch.save(build_model().state_dict(), path)
    return path


def load_for_inference(path: Path, device: torch.device) -> nn.Module:
    model = build_model()
    model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    return model.to(device).eval()


def predict(model: nn.Module, loader: DataLoader, device: torch.device, k: int = 2):
    """Returns (top-k class indices, top-k probabilities) as NumPy arrays."""
    indices, probabilities = [], []
    with torch.inference_mode():
        for (features,) in loader:
            logits = model(features.to(device))
            probs = logits.softmax(dim=1)
            top = probs.topk(k, dim=1)
            indices.append(top.indices.cpu().numpy())
            probabilities.append(top.values.cpu().numpy())
    return np.concatenate(indices), np.concatenate(probabilities)


def write_csv(stream, ids: list[str], indices: np.ndarray, probs: np.ndarray) -> None:
    writer = csv.writer(stream)
    writer.writerow(["id", "label", "confidence", "runner_up"])
    for row_id, idx, p in zip(ids, indices, probs):
        writer.writerow([row_id, CLASSES[idx[0]], f"{p[0]:.3f}", CLASSES[idx[1]]])


def demonstrate_inference() -> None:
    torch.manual_seed(26)
    device = pick_device()
    with tempfile.TemporaryDirectory() as tmp:
        model = load_for_inference(export_weights(Path(tmp)), device)

    features = np.random.default_rng(26).normal(size=(50, 10))
    dataset = TensorDataset(torch.from_numpy(features).float())
    loader = DataLoader(dataset, batch_size=16)
    indices, probs = predict(model, loader, device)
    assert indices.shape == (50, 2) and np.all(probs[:, 0] >= probs[:, 1])

    first = predict(model, loader, device)[1]
    assert np.allclose(first, probs), "eval mode must make predictions deterministic"

    out = io.StringIO()
    write_csv(out, [f"row{i}" for i in range(len(indices))], indices, probs)
    print(out.getvalue().splitlines()[:3])
    print(f"ran on {device}, {len(indices)} rows")


def main() -> None:
    demonstrate_checkpoints()
    demonstrate_inference()


if __name__ == "__main__":
    main()
