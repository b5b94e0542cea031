"""Guided alignment (Chen et al. 2016; Garg et al. 2019): an extra loss pulls each decoder step's attention
towards the source pieces a statistical aligner links to the piece that step predicts.

Without it, an attention model may keep most of its weight on the source </s>, whose encoder state
summarises the whole sentence; the heatmap then says little about which word is translated when.
"""
from __future__ import annotations

import torch

from seq2seq.data.alignments import piece_links
from seq2seq.data.batches import Example

# Keeps log(0) finite where the model gives a linked position no attention at all.
_EPS = 1e-9


def attach_links(examples: list[Example], source_eos: bool) -> None:
    """Give every example its aligner links; the step predicting EOS is linked to the source </s>."""
    sources = [e.src[:-1] if source_eos else e.src for e in examples]
    for example, links in zip(examples, piece_links(sources, [e.tgt for e in examples])):
        example.links = links + ([(len(example.tgt), len(example.src) - 1)] if source_eos else [])


def alignment_loss(attention: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """Σ over steps of −Σ_j g_tj log a_tj: attention (B, T_tgt, T_src), guide rows sum to 1 (or 0: no link)."""
    return -(guide * torch.log(attention.float() + _EPS)).sum()
