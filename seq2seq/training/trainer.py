"""Training: Adam + cross-entropy over the teacher-forced unroll (`Seq2Seq.unroll`), optionally with a
guided-alignment loss on the attention.

The trainer prints nothing; it reports events (dicts) through a callback so the CLI can draw a
progress bar and the app can write JSON lines for its live charts.
"""
from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from seq2seq.config import TrainConfig
from seq2seq.data.batches import Batch, Step, collate, encode_pairs, make_batches, plan_steps
from seq2seq.data.splits import load_split
from seq2seq.data.tokenizer import PAD_ID
from seq2seq.errors import UserError
from seq2seq.training import checkpointing, validation
from seq2seq.training.distributed import Context, step_seed
from seq2seq.training.guidance import alignment_loss, attach_links
from seq2seq.training.history import read_history
from seq2seq.training.precision import autocast, choose_precision
from seq2seq.training.provenance import data_files, split_sha256
from seq2seq.training.run_state import RunState, build_bundle

Event = dict[str, Any]
# Why training stops early, least to most urgent: ranks that disagree follow the most urgent.
STOP_REASONS = (None, "max_steps", "time_budget", "stopped")


class Trainer(RunState):
    """Trains one model; under torchrun, one Trainer per process (`dist`), each on its share of every step.

    `batches_per_step` token-budget batches make one optimizer step (default: one per process), so
    one process with batches_per_step=N takes the same steps as an N-process run. Validation,
    checkpoints and metrics are RunState's.
    """

    def __init__(self, config: TrainConfig, model_options: dict[str, Any], out_dir: Path,
                 on_event: Callable[[Event], None] | None = None, should_stop: Callable[[], bool] | None = None,
                 resume: bool = False, data_dir=None, download: bool = False, command: list[str] | None = None,
                 dist: Context | None = None, batches_per_step: int = 0):
        self.config, self.out_dir, self.command = config, Path(out_dir), command or []
        self.on_event = on_event or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.dist = dist or Context()
        self.batches_per_step = batches_per_step or self.dist.world_size
        if self.batches_per_step % self.dist.world_size:
            raise UserError(f"batches_per_step ({self.batches_per_step}) must be a multiple of the "
                            f"number of processes ({self.dist.world_size})")
        _seed_everything(config.seed)
        if config.threads > 0:
            torch.set_num_threads(config.threads)
        self.device = self.dist.device()
        self.precision = choose_precision(config.precision, self.device)
        self.split = load_split(config, data_dir, download)
        self.data_sha256 = split_sha256(self.split)
        self.data_files = data_files(config.data, data_dir) if self.dist.is_main else {}
        self.bundle = build_bundle(config, model_options, self.split, self.out_dir, resume)
        self.model = self.bundle.model.to(self.device)
        self.train_examples, self.valid_examples = (
            encode_pairs(pairs, self.bundle.src_tokenizer, self.bundle.tgt_tokenizer, config.max_len,
                         self.model.config.source_eos) for pairs in (self.split.train, self.split.valid))
        self._attach_guidance()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=config.label_smoothing,
                                           reduction="sum")
        self.progress = {"step": 0, "epoch": 0, "batch_in_epoch": 0, "best": None, "bad_validations": 0,
                         "plateau": 0, "elapsed_s": 0.0, "snapshots": []}
        self.history: list[dict[str, Any]] = []
        if resume:
            self.progress.update(checkpointing.restore_trainer_state(self.out_dir, self.model, self.optimizer))
            self.history = read_history(self.out_dir / "history.csv")
        self._check_data()
        self.train_model = self.dist.wrap(self.model)

    def _attach_guidance(self) -> None:
        if not self.config.guided_alignment:
            return
        if self.model.config.attention == "none":
            raise UserError("guided_alignment needs a model with attention (model.attention is 'none')")
        if self.dist.is_main:  # the aligner samples at random: one rank computes, the others read its cache
            attach_links(self.train_examples, self.model.config.source_eos)
        self.dist.broadcast(None)
        if not self.dist.is_main:
            attach_links(self.train_examples, self.model.config.source_eos)

    def _check_data(self) -> None:
        """Enough batches for one step, and (under torchrun) the same examples and vocabulary on every rank."""
        if self.steps_per_epoch() == 0:
            raise UserError(f"an epoch holds fewer than {self.batches_per_step} batches: lower batch_tokens "
                            "or use fewer processes")
        vocab = [[tok.piece(i) for i in range(tok.vocab_size)]
                 for tok in (self.bundle.src_tokenizer, self.bundle.tgt_tokenizer)]
        if not self.dist.same_everywhere(f"{self.data_sha256} {vocab}"):
            raise UserError("the processes loaded different data or built different tokenizers; "
                            "give every node the same corpus files")

    # ----- the loop -----
    def run(self):
        start = time.monotonic() - self.progress["elapsed_s"]
        self._emit({"type": "start", "parameters": self.model.num_parameters(), "train_pairs": len(self.train_examples),
                    "total_steps": self.total_steps(), "device": str(self.device), "precision": self.precision,
                    "step": self.progress["step"], "world_size": self.dist.world_size})
        stopped = "finished"
        while self.progress["epoch"] < self.config.epochs and stopped == "finished":
            stopped = self._run_epoch(start)
            if stopped == "finished":
                self.progress["epoch"] += 1
                self.progress["batch_in_epoch"] = 0
        self.progress["elapsed_s"] = time.monotonic() - start
        done = {"type": "done", "reason": stopped, "step": self.progress["step"]}
        if self.dist.enabled:
            done["replicas_in_sync"] = self.dist.replicas_in_sync(self.model)
        if self.dist.is_main:
            self.finish(stopped)
        self._emit(done)
        return self.bundle

    def epoch_steps(self) -> list[Step]:
        """This process's share of every step of the current epoch (reshuffled per epoch)."""
        batches = make_batches(self.train_examples, self.config.batch_tokens, self.config.seed + self.progress["epoch"])
        return plan_steps(self.train_examples, batches, self.batches_per_step, self.dist.rank, self.dist.world_size)

    def _run_epoch(self, start: float) -> str:
        window = {"loss": 0.0, "tokens": 0, "time": time.monotonic()}
        # "batch_in_epoch" counts steps: with one batch per step, as it did before data parallelism.
        for step in self.epoch_steps()[self.progress["batch_in_epoch"]:]:
            _seed_everything(step_seed(self.config.seed, self.dist.rank, self.progress["step"]))
            batch = collate([self.train_examples[i] for i in step.indices], self.device)
            loss_sum, tokens = self.train_step(batch, step.tokens)
            self.progress["step"] += 1
            self.progress["batch_in_epoch"] += 1
            self.progress["elapsed_s"] = time.monotonic() - start
            window["loss"] += loss_sum
            window["tokens"] += tokens
            if self.progress["step"] % self.config.log_every == 0:
                self._report_train(window)
                window = {"loss": 0.0, "tokens": 0, "time": time.monotonic()}
            reason = self._stop_reason()
            if reason or self.progress["step"] % self.config.valid_every == 0:
                verdict = self._validate_on_main()
                reason = reason or verdict
            if reason:
                return reason
        return "finished"

    def _stop_reason(self) -> str | None:
        # A signal or the clock can reach one rank a step before another; all must stop together.
        return STOP_REASONS[self.dist.all_max(STOP_REASONS.index(self._local_stop_reason()))]

    def _local_stop_reason(self) -> str | None:
        if self.should_stop():
            return "stopped"
        if self.config.max_steps and self.progress["step"] >= self.config.max_steps:
            return "max_steps"
        if self.config.time_budget_s and self.progress["elapsed_s"] >= self.config.time_budget_s:
            return "time_budget"
        return None

    def train_step(self, batch: Batch, global_tokens: int = 0) -> tuple[float, int]:
        """One update on the mean token loss over `global_tokens`, the target tokens of every process's
        batch (default: this batch alone). DDP averages the ranks' gradients, hence world_size / tokens.
        Returns the cross-entropy part (the alignment loss is not in the reported loss)."""
        self.train_model.train()
        guided = batch.guide is not None and self.config.guided_alignment > 0
        with autocast(self.precision, self.device):
            logits, attention = self.train_model(batch.src, batch.lengths, batch.tgt_in, self.teacher_forcing(),
                                                 return_attention=True)
            loss = self.loss_fn(logits.float().flatten(0, 1), batch.tgt_out.flatten())
            total = loss + self.config.guided_alignment * alignment_loss(attention, batch.guide) if guided else loss
        self.optimizer.zero_grad(set_to_none=True)
        (total * (self.dist.world_size / (global_tokens or batch.n_tokens))).backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip_norm)
        self.optimizer.step()
        return float(loss.detach()), batch.n_tokens

    def teacher_forcing(self) -> float:
        final = self.config.teacher_forcing_final
        if final < 0:
            return self.config.teacher_forcing
        fraction = min(1.0, self.progress["step"] / max(1, self.total_steps()))
        return self.config.teacher_forcing + (final - self.config.teacher_forcing) * fraction

    def steps_per_epoch(self) -> int:
        batches = make_batches(self.train_examples, self.config.batch_tokens, 0, shuffle=False)
        return len(batches) // self.batches_per_step

    def total_steps(self) -> int:
        total = self.steps_per_epoch() * self.config.epochs
        return min(total, self.config.max_steps) if self.config.max_steps else total

    def _report_train(self, window: dict[str, float]) -> None:
        loss_sum, tokens = self.dist.all_sum([window["loss"], window["tokens"]])
        loss = loss_sum / max(1, tokens)
        seconds = max(1e-9, time.monotonic() - window["time"])
        fraction = self.fraction_done()
        elapsed = self.progress["elapsed_s"]
        event = {"type": "train", "step": self.progress["step"], "epoch": self.progress["epoch"],
                 "loss": loss, "ppl": math.exp(min(loss, 50)), "tokens_per_s": tokens / seconds,
                 "lr": self.optimizer.param_groups[0]["lr"], "progress": fraction, "elapsed_s": elapsed,
                 "eta_s": elapsed * (1 - fraction) / fraction if fraction > 0 else None}
        self.history.append(event)
        self._emit(event)

    def fraction_done(self) -> float:
        fraction = self.progress["step"] / max(1, self.total_steps())
        if self.config.time_budget_s:
            fraction = max(fraction, self.progress["elapsed_s"] / self.config.time_budget_s)
        return min(1.0, fraction)

    def _emit(self, event: Event) -> None:
        if self.dist.is_main:
            self.on_event(event)

    def valid_loss(self) -> float:
        return validation.valid_loss(self.model, self.valid_examples, self.config.batch_tokens, self.device,
                                     self.precision)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
