import torch
import torch.nn as nn


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src):
        out, h = self.gru(self.embedding(src))
        h_cat = torch.cat([h[0], h[1]], dim=-1)
        return out, torch.tanh(self.bridge(h_cat))


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform(module.weight)
        nn.init.constant(module.bias, 0.0)
    elif isinstance(module, nn.GRU):
        for name, param in module.named_parameters():
            if "weight_hh" in name:
                nn.init.orthogonal_(param)
            elif "bias" in name:
                nn.init.zeros_(param)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.1)


def main():
    torch.manual_seed(0)
    enc = Seq2SeqEncoder(vocab=40, emb=16, hidden=24)
    enc.apply(init_weights)
    src = torch.randint(0, 40, (5, 9))
    outputs, summary = enc(src)
    print("encoder outputs:", tuple(outputs.shape), "summary:", tuple(summary.shape))
    return enc, outputs, summary


if __name__ == "__main__":
    main()
