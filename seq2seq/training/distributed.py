"""Data-parallel training under torchrun: one process per device, gradients averaged by DDP.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; without them (or with WORLD_SIZE=1) training is
one process and every collective here returns its input. Only rank 0 validates, writes files
and reports events. Whatever changes control flow (stopping, early stopping, the learning rate
after a plateau) is decided once and shared, so every rank runs the same steps and never waits
on a collective that another rank skipped.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from seq2seq.checkpoint import TRAINER_STATE

# Rank 0 validates, decodes and writes checkpoints while the others wait in a collective; the
# default timeout (10 minutes with NCCL) could fire during a long final test.
COLLECTIVE_TIMEOUT = timedelta(hours=1)


@dataclass(frozen=True)
class Context:
    """This process's place in the group; the default is a lone process."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self) -> torch.device:
        # Each process of a node drives the GPU numbered by its local rank.
        return torch.device("cuda", self.local_rank) if torch.cuda.is_available() else torch.device("cpu")

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module to train: DDP averages gradients across ranks during backward."""
        if not self.enabled:
            return model
        device_ids = [self.local_rank] if torch.cuda.is_available() else None
        return DistributedDataParallel(model, device_ids=device_ids)

    def all_sum(self, values: list[float]) -> list[float]:
        if not self.enabled:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device())
        dist.all_reduce(tensor)
        return tensor.tolist()

    def all_max(self, value: int) -> int:
        if not self.enabled:
            return value
        tensor = torch.tensor([value], dtype=torch.int64, device=self.device())
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return int(tensor.item())

    def broadcast(self, value: Any) -> Any:
        """Rank 0's value on every rank (any picklable object)."""
        if not self.enabled:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def same_everywhere(self, value: str) -> bool:
        if not self.enabled:
            return True
        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return all(v == values[0] for v in values)

    def replicas_in_sync(self, model: nn.Module) -> bool:
        """Whether every rank holds bit-identical weights (DDP should guarantee it)."""
        return self.same_everywhere(weights_digest(model))


def weights_digest(model: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode("utf-8"))
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def context_from_env(env: Mapping[str, str] = os.environ) -> Context:
    return Context(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))


@contextlib.contextmanager
def process_group() -> Iterator[Context]:
    """Join the torchrun group for the duration (gloo on CPU, NCCL on GPU); a lone process joins nothing."""
    context = context_from_env()
    if not context.enabled:
        yield context
        return
    if torch.cuda.is_available():
        torch.cuda.set_device(context.local_rank)
    store, rank, world_size = next(dist.rendezvous("env://", timeout=COLLECTIVE_TIMEOUT))
    # torchrun keeps its key-value store when it restarts the workers (--max-restarts), and the new
    # group would read the dead workers' addresses from it: each attempt gets its own keys.
    store = dist.PrefixStore(f"attempt_{os.environ.get('TORCHELASTIC_RESTART_COUNT', '0')}", store)
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo", store=store, rank=rank,
                            world_size=world_size, timeout=COLLECTIVE_TIMEOUT)
    try:
        yield context
        dist.barrier()  # leave together: rank 0 may still be writing its last files
    finally:
        dist.destroy_process_group()


def resume_after_restart(out_dir: Path, env: Mapping[str, str] = os.environ) -> bool:
    """True in a worker group that torchrun restarted (--max-restarts) once a trainer state exists:
    the restarted workers get the original command line, so they must find the saved run themselves."""
    return int(env.get("TORCHELASTIC_RESTART_COUNT", 0)) > 0 and (Path(out_dir) / TRAINER_STATE).is_file()


def step_seed(seed: int, rank: int, step: int) -> int:
    """The RNG seed of one training step on one rank: dropout masks then depend only on (seed, rank,
    step), so a resumed run draws what the uninterrupted one would have, and ranks draw differently."""
    digest = hashlib.sha256(f"{seed}:{rank}:{step}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # torch seeds are < 2**63
