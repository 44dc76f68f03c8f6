"""Bidirectional LSTM part-of-speech style tagger over variable-length sentences.

Sentences are padded in a collate function, packed for the LSTM (lengths on the
CPU, order handled by enforce_sorted=False), and the per-token loss ignores the
padding positions.
"""
import random

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

PAD_ID = 0
IGNORE_TAG = -100
VOCAB_SIZE = 50
NUM_TAGS = 5


class SyntheticTaggingData(Dataset):
    """Each token's tag is a fixed function of its id, so the task is learnable."""

    def __init__(self, n_sentences: int, seed: int) -> None:
        rng = random.Random(seed)
        self.sentences = []
        for _ in range(n_sentences):
            length = rng.randint(3, 12)
            self.sentences.append([rng.randint(1, VOCAB_SIZE - 1) for _ in range(length)])

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = torch.tensor(self.sentences[index], dtype=torch.long)
        tags = tokens % NUM_TAGS
        return tokens, tags


def pad_batch(batch: list[tuple[torch.Tensor, torch.Tensor]]):
    """Pads tokens with PAD_ID and tags with IGNORE_TAG; returns CPU lengths for packing."""
    tokens, tags = zip(*batch)
    lengths = torch.tensor([len(t) for t in tokens], dtype=torch.long)
    padded_tokens = pad_sequence(tokens, batch_first=True, padding_value=PAD_ID)
    padded_tags = pad_sequence(tags, batch_first=True, padding_value=IGNORE_TAG)
    return padded_tokens, padded_tags, lengths


class LSTMTagger(nn.Module):
    def __init__(self, vocab_size: int, num_tags: int, emb_dim: int = 24, hidden: int = 32) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD_ID)
        self.lstm = nn.LSTM(emb_dim, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(2 * hidden, num_tags)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, _ = self.lstm(packed)
        output, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=tokens.size(1))
        return self.out(self.dropout(output))          # (B, T, num_tags)


def token_accuracy(logits: torch.Tensor, tags: torch.Tensor) -> float:
    mask = tags != IGNORE_TAG
    correct = (logits.argmax(-1) == tags) & mask
    return correct.sum().item() / mask.sum().item()


@torch.no_grad()
def confusion_matrix(model: LSTMTagger, loader: DataLoader) -> torch.Tensor:
    """Rows are true tags, columns predicted tags, over real (unpadded) tokens only."""
    model.eval()
    matrix = torch.zeros(NUM_TAGS, NUM_TAGS, dtype=torch.long)
    for tokens, tags, lengths in loader:
        predicted = model(tokens, lengths).argmax(-1)
        real = tags != IGNORE_TAG
        pairs = tags[real] * NUM_TAGS + predicted[real]
        matrix += torch.bincount(pairs, minlength=NUM_TAGS * NUM_TAGS).view(NUM_TAGS, NUM_TAGS)
    return matrix


def run_epoch(model, loader, criterion, optimizer=None) -> tuple[float, float]:
    """One pass; trains when an optimizer is given, otherwise evaluates without grad."""
    training = optimizer is not None
    model.train(training)
    losses, accs = [], []
    with torch.set_grad_enabled(training):
        for tokens, tags, lengths in loader:
            logits = model(tokens, lengths)
            loss = criterion(logits.reshape(-1, NUM_TAGS), tags.reshape(-1))
            if training:
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
                optimizer.step()
            losses.append(loss.item())
            accs.append(token_accuracy(logits, tags))
    return sum(losses) / len(losses), sum(accs) / len(accs)


def tag_sentence(model: LSTMTagger, tokens: list[int]) -> list[int]:
    model.eval()
    with torch.no_grad():
        batch = torch.tensor([tokens])
        logits = model(batch, torch.tensor([len(tokens)]))
    return logits[0].argmax(-1).tolist()


def main() -> None:
    torch.manual_seed(1)
    train_loader = DataLoader(SyntheticTaggingData(128, seed=1), batch_size=32,
                              shuffle=True, collate_fn=pad_batch)
    val_loader = DataLoader(SyntheticTaggingData(64, seed=2), batch_size=32, collate_fn=pad_batch)

    model = LSTMTagger(VOCAB_SIZE, NUM_TAGS)
    criterion = nn.CrossEntropyLoss(ignore_index=IGNORE_TAG)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    for epoch in range(2):
        train_loss, _ = run_epoch(model, train_loader, criterion, optimizer)
        val_loss, val_acc = run_epoch(model, val_loader, criterion)
        print(f"epoch {epoch}: train {train_loss:.3f} val {val_loss:.3f} acc {val_acc:.2f}")

    print("tags for [3, 7, 12]:", tag_sentence(model, [3, 7, 12]))
    matrix = confusion_matrix(model, val_loader)
    print("per-tag recall:", [round(r, 2) for r in (matrix.diag() / matrix.sum(1).clamp(min=1)).tolist()])


if __name__ == "__main__":
    main()
