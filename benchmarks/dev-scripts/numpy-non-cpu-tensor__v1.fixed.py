import io
import json
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)

EXPORT_CFG = {
    "init_device": "cpu",
    "vocab": 64,
    "d_model": 16,
    "max_len": 32,
}


class TinyLM(nn.Module):
    def __init__(self, vocab, d_model, max_len):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.mix = nn.Linear(d_model, d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)
        pos = torch.arange(max_len, dtype=torch.float32)[:, None]
        freq = torch.exp(-torch.arange(0, d_model, 2, dtype=torch.float32) * (np.log(1e4) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(pos * freq)
        table[:, 1::2] = torch.cos(pos * freq)
        self.register_buffer("pos_table", table, persistent=False)

    def forward(self, ids):
        h = self.tok(ids) + self.pos_table[: ids.shape[1]]
        return self.lm_head(torch.tanh(self.mix(h)))


def trained_checkpoint():
    model = TinyLM(EXPORT_CFG["vocab"], EXPORT_CFG["d_model"], EXPORT_CFG["max_len"])
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return buf


def load_for_export(buf, cfg):
    state = torch.load(buf, map_location="cpu", weights_only=True)
    with torch.device(cfg["init_device"]):
        model = TinyLM(cfg["vocab"], cfg["d_model"], cfg["max_len"])
    model.load_state_dict(state, assign=True)
    return model.eval()


def export_arrays(model):
    arrays = {}
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        arrays[name] = t.detach().numpy().astype(np.float32)
    return arrays


def main():
    model = load_for_export(trained_checkpoint(), EXPORT_CFG)
    arrays = export_arrays(model)
    out = io.BytesIO()
    np.savez(out, **arrays)
    manifest = {k: list(v.shape) for k, v in arrays.items()}
    print(json.dumps(manifest, indent=1))
    print("exported bytes", out.getbuffer().nbytes)
    ref = TinyLM(EXPORT_CFG["vocab"], EXPORT_CFG["d_model"], EXPORT_CFG["max_len"])
    assert set(arrays) == {"tok.weight", "mix.weight", "mix.bias", "lm_head.weight", "pos_table"}
    assert np.allclose(arrays["pos_table"], ref.pos_table.numpy())
    assert np.isfinite(arrays["pos_table"]).all() and arrays["pos_table"][0, 1] == 1.0
    print(f"RESULT arrays={len(arrays)} bytes={out.getbuffer().nbytes}")


if __name__ == "__main__":
    main()
