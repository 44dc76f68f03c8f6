"""Detectors of training loops: each fires on the broken loop and stays quiet on its correct twins."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

SETUP = """\
import torch
import torch.nn as nn
model = nn.Linear(10, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
sched = torch.optim.lr_scheduler.StepLR(opt, 10)
"""


def test_a_hidden_state_fed_back_without_detach_fires():
    source = SETUP + """\
h = None
for x, y in batches:
    logits, h = rnn(x, h)
    loss = nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
for x in batches:
    out, (h, c) = lstm(x, (h, c))
    out.sum().backward()
"""
    assert lines("hidden-state-not-detached", source) == [8, 14]
    assert findings("hidden-state-not-detached", source)[1].message.startswith("c, h are fed back into lstm()")


def test_a_detached_or_fresh_hidden_state_is_quiet():
    source = SETUP + """\
for x in batches:
    h = h.detach()
    out, h = rnn(x, h)
    out.sum().backward()
for x in batches:
    out, h = rnn(x, repackage_hidden(h))
    out.sum().backward()
for x in batches:
    out, h = rnn(x)
    out.sum().backward()
for x in batches:
    out, h = rnn(x, h)
    out.sum().backward(retain_graph=True)
with torch.no_grad():
    for x in batches:
        out, h = rnn(x, h)
for x in batches:
    out, h = rnn(x, h)  # no backward in this loop: generation
"""
    assert lines("hidden-state-not-detached", source) == []


def test_a_loop_without_zero_grad_or_zeroing_between_backward_and_step_fires():
    source = SETUP + """\
for step in range(60):
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
for step in range(60):
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.zero_grad()
    opt.step()
"""
    assert lines("zero-grad-order", source) == [9, 13]


def test_zeroing_before_backward_accumulation_and_gan_order_are_quiet():
    source = SETUP + """\
d_opt = torch.optim.Adam(critic.parameters())
for step in range(60):
    opt.zero_grad()
    nn.functional.mse_loss(model(X), y).backward()
    opt.step()
for i, batch in enumerate(data):
    (model(batch).sum() / 4).backward()
    if (i + 1) % 4 == 0:
        opt.step()
        opt.zero_grad()
for batch in data:
    critic(batch).mean().backward()
    d_opt.step()
    opt.zero_grad()
    model(batch).mean().backward()
    opt.step()
for batch in data:
    model(batch).sum().backward()
    opt.step()
    for p in model.parameters():
        p.grad = None
for epoch in range(3):
    for batch in data:
        opt.zero_grad()
        model(batch).sum().backward()
        opt.step()
    sched.step()
"""
    assert lines("zero-grad-order", source) == []


def test_the_scheduler_stepping_before_the_optimizer_fires():
    source = SETUP + """\
for epoch in range(3):
    sched.step()
    for batch in data:
        opt.zero_grad()
        model(batch).sum().backward()
        opt.step()
"""
    assert lines("scheduler-before-optimizer", source) == [7]


def test_the_scheduler_stepping_after_the_optimizer_is_quiet():
    source = SETUP + """\
for epoch in range(3):
    for batch in data:
        opt.zero_grad()
        model(batch).sum().backward()
        opt.step()
        sched.step()
for epoch in range(3):
    train_one_epoch(model, opt)
    sched.step()
"""
    assert lines("scheduler-before-optimizer", source) == []
