"""Which float format training computes in, and why: bf16 autocast only where it is measured faster.

Native bf16 is necessary but not sufficient: on a CPU with AVX512-BF16 or AMX the matrix products run
several times faster in bf16, yet a small model's step is mostly recurrence, elementwise work and the
optimizer, and may gain nothing. So `precision: auto` times the run's own forward and backward pass in
both formats on this machine and keeps bf16 only where it wins; the measurement is cached per CPU,
torch version, thread count and model shape, so a later run on the same machine does not pay for it again.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass
from typing import Callable

import torch

from seq2seq.data.corpora import cache_dir
from seq2seq.files import write_text

# ATEN_CPU_CAPABILITY values below which torch's CPU kernels cannot use AVX512-BF16 or AMX instructions.
_WITHOUT_BF16_KERNELS = ("default", "avx2")
# Overrides what `auto` resolves to on this machine (a whole test suite or a cluster job pins it this way).
ENV_OVERRIDE = "SEQ2SEQ_PRECISION"
# bf16 rounds every product to 8 bits of mantissa: worth it only for a clear gain, not for timing noise.
MIN_SPEEDUP = 1.15
_ROUNDS = 3  # alternating fp32/bf16 timings; the fastest of each is kept (the least disturbed by other work)


@dataclass(frozen=True)
class PrecisionChoice:
    precision: str  # "fp32" or "bf16": what the run computes in
    reason: str  # one sentence a person reads in the run's log: why this one
    speedup: float | None = None  # bf16 step time ÷ fp32 step time, inverted (x faster), where measured


def native_bf16(device: torch.device) -> bool:
    """True on CUDA, and on CPUs with AVX512-BF16 or AMX-BF16 that torch is allowed to use."""
    if device.type == "cuda":
        return True
    if device.type != "cpu" or os.environ.get("ATEN_CPU_CAPABILITY", "").lower() in _WITHOUT_BF16_KERNELS:
        return False
    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def choose_precision(setting: str, device: torch.device, timed_step: Callable[[str], float] | None = None,
                     cache_key: str = "") -> PrecisionChoice:
    """The `precision` setting resolved (see TrainConfig.precision).

    `timed_step(precision)` runs one forward and backward pass of the run's model on a real batch and
    returns its seconds; without it (or on CUDA) native bf16 alone decides."""
    if setting != "auto":
        return PrecisionChoice(setting, f"precision {setting} was asked for")
    forced = os.environ.get(ENV_OVERRIDE, "").lower()
    if forced in ("fp32", "bf16"):
        return PrecisionChoice(forced, f"precision auto: {ENV_OVERRIDE}={forced} on this machine")
    if not native_bf16(device):
        return PrecisionChoice("fp32", f"precision auto -> fp32: {cpu_name()} has no native bf16 "
                                       f"(torch kernels: {torch.backends.cpu.get_cpu_capability()}), only emulated")
    if device.type == "cuda" or timed_step is None:
        where = cpu_name() if device.type == "cpu" else str(device)
        return PrecisionChoice("bf16", f"precision auto -> bf16: native bf16 on {where}")
    return _measured_choice(timed_step, cache_key)


def _measured_choice(timed_step: Callable[[str], float], cache_key: str) -> PrecisionChoice:
    key = "|".join([cpu_name(), torch.__version__, torch.backends.cpu.get_cpu_capability(),
                    str(torch.get_num_threads()), cache_key])
    speedup = _cached_speedup(key)
    if speedup is None:
        speedup = round(measure_speedup(timed_step), 3)  # as the cache keeps it: a cached run says the same
        _store_speedup(key, speedup)
    chosen = "bf16" if speedup >= MIN_SPEEDUP else "fp32"
    return PrecisionChoice(chosen, f"precision auto -> {chosen}: a training step of this model measured "
                                   f"{speedup:.2f}x as fast in bf16 as in fp32 on {cpu_name()} "
                                   f"(bf16 needs >= {MIN_SPEEDUP}x)", speedup)


def measure_speedup(timed_step: Callable[[str], float]) -> float:
    """fp32 seconds ÷ bf16 seconds, the fastest of a few alternating rounds after one warm-up each."""
    best = {"fp32": float("inf"), "bf16": float("inf")}
    for precision in best:
        timed_step(precision)
    for _ in range(_ROUNDS):
        for precision in best:
            best[precision] = min(best[precision], timed_step(precision))
    return best["fp32"] / max(best["bf16"], 1e-9)


def step_timer(model: torch.nn.Module, loss_of: Callable[[torch.nn.Module], torch.Tensor],
               device: torch.device) -> Callable[[str], float]:
    """A `timed_step` for choose_precision: forward and backward of `loss_of(model)` on a private copy of
    the model (the run's own weights, gradients and random streams are left exactly as they were)."""
    copies: list[torch.nn.Module] = []  # made on the first call: most runs never measure

    def timed(precision: str) -> float:
        if not copies:
            copies.append(copy.deepcopy(model).train())
        private = copies[0]
        with torch.random.fork_rng(devices=[]):
            start = time.perf_counter()
            with autocast(precision, device):
                loss = loss_of(private)
            loss.backward()
            seconds = time.perf_counter() - start
        private.zero_grad(set_to_none=True)
        return seconds

    return timed


def autocast(precision: str, device: torch.device):
    if precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def cpu_name() -> str:
    """The CPU's model name (what a benchmark or a log names the machine by)."""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _cache_file():
    return cache_dir("derived") / "precision-speedups.json"


def _cached_speedup(key: str) -> float | None:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    with contextlib.suppress(OSError, ValueError, RecursionError):
        entry = json.loads(_cache_file().read_text(encoding="utf-8")).get(digest)
        if isinstance(entry, dict) and isinstance(entry.get("speedup"), (int, float)):
            return float(entry["speedup"])
    return None


def _store_speedup(key: str, speedup: float) -> None:
    """Best effort: a read-only cache only means measuring again next time."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = _cache_file()
    with contextlib.suppress(OSError, ValueError, RecursionError):
        entries = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        entries = entries if isinstance(entries, dict) else {}
        entries[digest] = {"key": key, "speedup": speedup}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(entries, indent=1))
