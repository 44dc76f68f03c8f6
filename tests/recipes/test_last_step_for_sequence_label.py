from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import last_step_for_sequence_label as recipe

SENSOR_CLASSIFIER = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
STEPS, CHANNELS, CLASSES = 12, 5, 4


class SensorNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(CHANNELS, 16, num_layers=2)
        self.head = nn.Linear(16, CLASSES)

    def forward(self, series):                      # series: [STEPS, N, CHANNELS]
        states, _ = self.gru(series)
        return self.head(torch.relu(states)).view(-1, CLASSES)


def train_step(net, optimiser, series, labels):
    scores = net(series)
    loss = F.cross_entropy(scores, labels)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


model = SensorNet()
optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
series = torch.randn(STEPS, 6, CHANNELS)
labels = torch.randint(0, CLASSES, (6,))
losses = [train_step(model, optimiser, series, labels) for _ in range(3)]
'''

# One row of scores per sequence, read at the last time step of the time-major output.
LAST_STEP_SCORES = '''
with torch.no_grad():
    states, _ = model.gru(series)
    assert torch.allclose(model(series), model.head(torch.relu(states[-1])))
assert model(series).shape == (6, CLASSES) and len(losses) == 3
'''


def test_a_time_major_gru_head_reads_the_last_step(sandbox):
    patched = patch(recipe, SENSOR_CLASSIFIER, sandbox.facts(SENSOR_CLASSIFIER, "ValueError"))
    assert "        return self.head(torch.relu(states[-1])).view(-1, CLASSES)\n" in patched
    sandbox.assert_clean(patched + LAST_STEP_SCORES)


REVIEW_SENTIMENT = '''\
import torch
from torch import nn

torch.manual_seed(1)


class Sentiment(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.encoder = nn.LSTM(width, width, batch_first=True)
        self.classify = nn.Linear(width, 2)

    def forward(self, tokens):
        hidden, (h_n, c_n) = self.encoder(self.embed(tokens))
        scores = self.classify(hidden)
        return scores.reshape(-1, 2)


net = Sentiment(50, 8)
criterion = nn.CrossEntropyLoss()
tokens = torch.randint(0, 50, (4, 9))
polarity = torch.tensor([0, 1, 1, 0])
loss = criterion(net(tokens), polarity)
loss.backward()
'''

BATCH_FIRST_LAST_STEP = '''
hidden, (h_n, c_n) = net.encoder(net.embed(tokens))
assert torch.allclose(hidden[:, -1], h_n[-1])
assert torch.allclose(loss, criterion(net.classify(h_n[-1]), polarity))
'''


def test_a_batch_first_lstm_head_reads_the_last_step(sandbox):
    patched = patch(recipe, REVIEW_SENTIMENT, sandbox.facts(REVIEW_SENTIMENT, "ValueError"))
    assert "        scores = self.classify(hidden[:, -1])\n" in patched
    sandbox.assert_clean(patched + BATCH_FIRST_LAST_STEP)


FACTS = Facts("ValueError", "Expected input batch_size (36) to match target batch_size (4).",
              values={"input_batch": "36", "target_batch": "4"}, line=25, lines=(25,))


def test_a_bidirectional_encoder_is_left_alone():
    bidirectional = REVIEW_SENTIMENT.replace("batch_first=True)", "batch_first=True, bidirectional=True)")
    assert not applies(recipe, bidirectional, FACTS)


def test_an_output_read_again_after_the_head_is_left_alone():
    reused = REVIEW_SENTIMENT.replace("return scores.reshape(-1, 2)", "return (scores + hidden.mean()).reshape(-1, 2)")
    assert not applies(recipe, reused, FACTS)


def test_a_model_that_does_not_make_the_scores_is_left_alone():
    elsewhere = REVIEW_SENTIMENT.replace("loss = criterion(net(tokens), polarity)",
                                         "loss = criterion(torch.randn(36, 2), polarity)")
    assert not applies(recipe, elsewhere, FACTS)


def test_rows_that_are_no_whole_number_per_target_are_left_alone():
    ragged = Facts("ValueError", "Expected input batch_size (10) to match target batch_size (4).",
                   values={"input_batch": "10", "target_batch": "4"}, line=25, lines=(25,))
    assert not applies(recipe, REVIEW_SENTIMENT, ragged)
    assert applies(recipe, REVIEW_SENTIMENT, FACTS)
