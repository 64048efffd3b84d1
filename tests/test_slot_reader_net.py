"""The reader's top layers start as the encoder's own: loaded from its weights, same output."""

from __future__ import annotations

import torch

from agents.tickets.tracking.reader.net import ReaderNet, TopLayer
from knowledge.encoder import Encoder


def test_slot_reader_net_top_layers_reproduce_the_encoder(encoder: Encoder) -> None:
    texts = ["book a table for 2 at 7pm", "payment-api is down since 09:40, sev2", "hi"]
    lower = encoder.layer_states(texts, layers=4)
    full = encoder.layer_states(texts, layers=encoder.layer_count)
    x = lower.states
    for index in (4, 5):
        layer = TopLayer(encoder.dim, 12, 1536, 0.0)
        layer.load_hf(encoder.layer_weights(index))
        layer.eval()
        with torch.no_grad():
            x = layer(x, src_key_padding_mask=~lower.mask)
    assert torch.allclose(x[full.mask], full.states[full.mask], atol=1e-4)


def test_slot_reader_net_shapes_for_ragged_batches() -> None:
    net = ReaderNet(layers=1).eval()
    b, ls, lc, d = 3, 5, 9, 384
    slot_mask = torch.ones(b, ls, dtype=torch.bool)
    context_mask = torch.ones(b, lc, dtype=torch.bool)
    context_mask[1, 6:] = False  # a shorter context, padded
    segment = torch.ones(b, lc, dtype=torch.long)
    with torch.no_grad():
        status, start, end, summary = net(
            torch.randn(b, ls, d), slot_mask, torch.randn(b, lc, d), context_mask, segment
        )
        choice = net.choice(summary, torch.randn(b, 4, d))
    assert status.shape == (b, 3) and start.shape == end.shape == (b, lc)
    assert summary.shape == (b, d) and choice.shape == (b, 4)
