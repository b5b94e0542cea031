"""Which float format training computes in: bf16 autocast where the hardware has native bf16, fp32 elsewhere."""
from __future__ import annotations

import contextlib
import os

import torch

# ATEN_CPU_CAPABILITY values below which torch's CPU kernels cannot use AVX512-BF16 or AMX instructions.
_WITHOUT_BF16_KERNELS = ("default", "avx2")


def native_bf16(device: torch.device) -> bool:
    """True on CUDA, and on CPUs with AVX512-BF16 or AMX-BF16 that torch is allowed to use."""
    if device.type == "cuda":
        return True
    if device.type != "cpu" or os.environ.get("ATEN_CPU_CAPABILITY", "").lower() in _WITHOUT_BF16_KERNELS:
        return False
    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def choose_precision(setting: str, device: torch.device) -> str:
    """The `precision` setting resolved to "bf16" or "fp32" (see TrainConfig.precision)."""
    if setting == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return setting


def autocast(precision: str, device: torch.device):
    if precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)
