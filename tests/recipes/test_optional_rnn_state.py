from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import optional_rnn_state as recipe

CHAR_LM = '''\
import torch
import torch.nn as nn


class CharLM(nn.Module):
    def __init__(self, vocab=30, width=24):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.lstm = nn.LSTM(width, width, batch_first=True)
        self.head = nn.Linear(width, vocab)

    def forward(self, chars, state):
        out, state = self.lstm(self.embed(chars), state)
        return self.head(out), state


torch.manual_seed(0)
model = CharLM()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
text = torch.randint(0, 30, (8, 21))
inputs, targets = text[:, :-1], text[:, 1:]
for step in range(3):
    logits, _ = model(inputs)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 30), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

# Starting from None is starting from zeros, and a returned state carries on.
SAME_AS_ZEROS = '''
zeros = (torch.zeros(1, 8, 24), torch.zeros(1, 8, 24))
with torch.no_grad():
    assert torch.equal(model(inputs)[0], model(inputs, zeros)[0])
    step_logits, state = model(inputs[:, :1])
    next_logits, _ = model(inputs[:, 1:2], state)
assert logits.shape == (8, 20, 30) and next_logits.shape == (8, 1, 30)
'''

SEQ2SEQ = '''\
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.gru = nn.GRU(width, width)
        self.project = nn.Linear(width, vocab)

    def forward(self, tokens, hidden):
        output, hidden = self.gru(self.embed(tokens), hidden)
        return self.project(output), hidden


class Summariser(nn.Module):
    def __init__(self, vocab=40, width=16):
        super().__init__()
        self.decoder = Decoder(vocab, width)

    def forward(self, prefix):
        logits, hidden = self.decoder(prefix)
        return logits.argmax(-1), hidden


model = Summariser()
prefix = torch.randint(0, 40, (6, 3))     # (time, batch)
tokens, hidden = model(prefix)
'''


def test_the_state_defaults_to_none_in_a_training_loop(sandbox):
    patched = patch(recipe, CHAR_LM, sandbox.facts(CHAR_LM, "TypeError"))
    assert "    def forward(self, chars, state=None):\n" in patched
    sandbox.assert_clean(patched + SAME_AS_ZEROS)


def test_a_submodule_called_without_its_state(sandbox):
    patched = patch(recipe, SEQ2SEQ, sandbox.facts(SEQ2SEQ, "TypeError"))
    assert "    def forward(self, tokens, hidden=None):\n" in patched
    sandbox.assert_clean(patched + "assert tokens.shape == (6, 3) and hidden.shape == (1, 3, 16)\n")


def test_a_missing_mask_is_not_given_a_default():
    code = ("import torch.nn as nn\nclass Pool(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.gru = nn.GRU(4, 4)\n    def forward(self, x, mask):\n        out, h = self.gru(x)\n"
            "        return (out * mask).sum(0)\npool = Pool()\ny = pool(x)\n")
    facts = Facts("TypeError", "Pool.forward() missing 1 required positional argument: 'mask'", line=10, lines=(10,))
    assert not applies(recipe, code, facts)


TAGGER = '''\
import torch
import torch.nn as nn


class MaskedEncoder(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)

    def forward(self, tokens, lengths):
        positions = torch.arange(tokens.shape[1])[None, :]
        return self.embed(tokens) * (positions < lengths[:, None]).unsqueeze(-1)


class Recurrent(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.gru = nn.GRU(width, width, batch_first=True)

    def forward(self, x, hidden):
        return self.gru(x, hidden)


class Tagger(nn.Module):
    def __init__(self, vocab=50, width=12, tags=5):
        super().__init__()
        self.encoder = MaskedEncoder(vocab, width)
        self.recurrent = Recurrent(width)
        self.head = nn.Linear(width, tags)

    def forward(self, tokens):
        out, hidden = self.recurrent(self.encoder(tokens))
        return self.head(out)


model = Tagger()
scores = model(torch.randint(0, 50, (4, 9)))
'''


def test_the_state_of_another_call_on_the_line_is_not_defaulted_for_the_missing_lengths(sandbox):
    # the encoder misses `lengths` (the message names it); defaulting the GRU block's `hidden`,
    # which is also missing on that line, would not fix it
    facts = sandbox.facts(TAGGER, "TypeError")
    assert not applies(recipe, TAGGER, facts)


HANDED_ON = '''\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=6, n_hidden=10):
        super().__init__()
        self.cell = nn.RNN(n_in, n_hidden)

    def forward(self, frames, initial):
        outputs, last = self.cell(frames, initial)
        return outputs, last


def encode_all(encoder, clips):
    return [encoder(clip)[1] for clip in clips]


torch.manual_seed(0)
enc = Encoder()
clips = [torch.randn(5, 2, 6) for _ in range(3)]
states = encode_all(enc, clips)
'''


def test_a_module_handed_to_a_function_is_found_by_the_class_the_message_names(sandbox):
    # `encoder` is a parameter, so only the message's `Encoder.forward()` says whose forward it is
    patched = patch(recipe, HANDED_ON, sandbox.facts(HANDED_ON, "TypeError"))
    assert "    def forward(self, frames, initial=None):\n" in patched
    sandbox.assert_clean(patched + (
        "with torch.no_grad():\n"
        "    assert all(torch.equal(s, enc(c, torch.zeros(1, 2, 10))[1]) for s, c in zip(states, clips))\n"
        "assert torch.stack(states).shape == (3, 1, 2, 10)\n"))
