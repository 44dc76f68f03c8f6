"""BatchNorm1d(C) whose output goes straight into a batch_first RNN of input_size C: the RNN reads
[batch, time, C], so the norm was given [batch, time, C] too, and BatchNorm1d keeps its statistics
over dim 1, the time steps. When time equals C it runs and normalises the wrong axis (the silent
form); otherwise it raises "running_mean should contain T elements not C". Either way the norm
needs a transpose to [batch, C, time] and back, or LayerNorm(C)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import KEEP_FEATURES, in_width, links, width

name = "batchnorm-over-time-axis"
RECURRENT = ("LSTM", "GRU", "RNN")


@needs_calls("BatchNorm1d")
def check(code: Code) -> Iterator[Hit]:
    for link in links(code, ("BatchNorm1d",), RECURRENT, KEEP_FEATURES):
        if constant(keyword(link.consumer, "batch_first")) is not True:
            continue
        channels, features = in_width(code, link.producer), width(code, argument(link.consumer, 0, "input_size"))
        if channels is None or features is None or channels.same_as(features, code) is not True:
            continue
        yield Hit.at(code, link.at, f"{link.shown} is batch_first and reads [batch, time, {features.shown()}], "
                     f"so {source_of(link.producer)} (line {link.producer.lineno}) before it is given that layout "
                     "and normalises dim 1, the time steps, not the channels: transpose to [batch, channels, time] "
                     "around the norm (x.transpose(1, 2)), or use nn.LayerNorm over the channels")
