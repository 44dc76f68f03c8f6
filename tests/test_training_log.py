"""A training log's loss curve said in words (assistant.answering.training_log)."""

import pytest

from assistant.answering.query import parse_query
from assistant.answering.training_log import describe, loss_values

LOGS = {
    "negative": "epoch 0 loss -0.0286\nepoch 1 loss -0.0850\nepoch 2 loss -0.1415\nepoch 3 loss -0.1983",
    "increases": "epoch 0 loss 5.8059\nepoch 1 loss 5.9744\nepoch 2 loss 14.9150\nepoch 3 loss 24.6981",
    "exactly the same": "epoch 0 loss 1.30120\nepoch 1 loss 1.30120\nepoch 2 loss 1.30120\nepoch 3 loss 1.30120",
    "flat": "epoch 1  train_loss 0.6931  val_acc 0.500\nepoch 2  train_loss 0.6931\nepoch 3  train_loss 0.6932",
    "very slowly": "loss 49.79 | loss 49.12 | loss 48.46 | loss 47.80 | loss 47.15 | loss 46.51",
    "nan": "# loss: 0.69, 0.71, 1.9, 8.4, 47.0, nan",
}


@pytest.mark.parametrize("words", LOGS)
def test_a_loss_curve_is_described_by_its_shape(words):
    assert words in describe(LOGS[words])


def test_a_falling_loss_or_too_few_values_say_nothing():
    assert describe("epoch 0 loss 2.30\nepoch 1 loss 1.20\nepoch 2 loss 0.61") == ""
    assert describe("Epoch 7 | step 1200 | loss: nan") == ""


def test_loss_values_are_read_from_every_common_spelling():
    assert loss_values("train_loss: 0.5 | val_loss=0.7 | Loss 1e-3 | loss: 1, 2") == [0.5, 0.7, 0.001, 1.0, 2.0]


def test_a_pasted_log_is_searched_with_its_curve_in_words():
    query = parse_query(LOGS["negative"])
    assert query.error is None and "negative" in query.search_text
