"""The judging and keeping half of a training run: validation verdicts (early stop, learning-rate decay),
checkpoints, averaging of the best snapshots, metrics.json and the final test score.

`RunState` is mixed into `Trainer`, which owns the attributes it reads (config, model, bundle, ...).
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from seq2seq import checkpoint as ckpt
from seq2seq.checkpoint import Bundle
from seq2seq.config import ModelConfig, TrainConfig, to_dict
from seq2seq.data.pairs import Split
from seq2seq.data.tokenizer import build_tokenizers
from seq2seq.training import checkpointing, validation
from seq2seq.training.history import write_history
from seq2seq.training.provenance import provenance


def build_bundle(config: TrainConfig, model_options: dict[str, Any], split: Split, out_dir: Path,
                 resume: bool) -> Bundle:
    """The model to train: the run's own checkpoint (resume), a checkpoint to fine-tune, or a new one."""
    if resume:
        bundle = ckpt.load_checkpoint(out_dir)
    elif config.init_from:
        start = ckpt.load_checkpoint(config.init_from)
        model_config = dataclasses.replace(start.config, **model_options).validate()
        model = ckpt.build_model(model_config)
        model.load_state_dict(start.model.state_dict())
        bundle = Bundle(model, start.src_tokenizer, start.tgt_tokenizer, config, path=out_dir)
    else:
        src_tok, tgt_tok = build_tokenizers(config.tokenizer, split)
        model_config = ModelConfig(src_vocab_size=src_tok.vocab_size, tgt_vocab_size=tgt_tok.vocab_size,
                                   **model_options).validate()
        bundle = Bundle(ckpt.build_model(model_config), src_tok, tgt_tok, config, path=out_dir)
    bundle.train_config = config
    bundle.model.train()
    return bundle


class RunState:
    def is_toy(self) -> bool:
        return self.config.data.startswith("toy:")

    def _validate_on_main(self) -> str | None:
        """Rank 0 validates and saves; every rank takes its verdict and learning rate (plateau decay)."""
        verdict = self.validate() if self.dist.is_main else None
        verdict, lr = self.dist.broadcast((verdict, self.optimizer.param_groups[0]["lr"]))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return verdict

    def validate(self, final: bool = False) -> str | None:
        """Score, save, report; returns "target_reached" or "patience" when the run should stop early."""
        loss = self.valid_loss()
        metric, scale = validation.metric_of(self.is_toy())
        score = validation.decoded_score(self.bundle, self.split, self.config.valid_decode_limit, self.is_toy())
        improved = self.progress["best"] is None or score > self.progress["best"]
        if improved:
            self.progress["best"], self.progress["bad_validations"], self.progress["plateau"] = score, 0, 0
        else:
            self.progress["bad_validations"] += 1
            self.progress["plateau"] += 1
            self._maybe_decay_lr()
        self.progress["snapshots"] = checkpointing.keep_snapshot(
            self.out_dir, self.model, self.progress.get("snapshots", []), self.progress["step"], score,
            self.config.average_best)
        event = {"type": "valid", "step": self.progress["step"], "epoch": self.progress["epoch"],
                 "valid_loss": loss, "valid_ppl": math.exp(min(loss, 50)), metric: score, "metric": metric,
                 "metric_scale": scale, "best": self.progress["best"], "improved": improved,
                 "elapsed_s": self.progress["elapsed_s"],
                 "probes": validation.probe_translations(self.bundle, self.probe_sentences())}
        self.history.append({k: v for k, v in event.items() if k != "probes"})
        self._save(improved)
        self._emit(event)
        return None if final else self._early_stop(metric, score)

    def _early_stop(self, metric: str, score: float) -> str | None:
        target = self.config.target_score
        if target and metric == self.config.target_metric and score >= target:
            return "target_reached"
        patience = self.config.patience
        return "patience" if patience and self.progress["bad_validations"] >= patience else None

    def _maybe_decay_lr(self) -> None:
        if self.progress["plateau"] < self.config.plateau_patience:
            return
        self.progress["plateau"] = 0
        for group in self.optimizer.param_groups:
            group["lr"] = max(self.config.min_lr, group["lr"] * self.config.lr_factor)

    def probe_sentences(self) -> list[str]:
        return list(self.config.probes) or [p.source for p in self.split.valid[:2]]

    def _save(self, improved: bool) -> None:
        if improved:
            self.bundle.metrics = self.metrics()
            ckpt.save_checkpoint(self.out_dir, self.bundle)
        checkpointing.save_trainer_state(self.out_dir, self.model, self.optimizer, self.progress)
        write_history(self.out_dir / "history.csv", self.history)
        if not improved:
            checkpointing.update_metrics(self.out_dir, **{k: v for k, v in self.metrics().items() if k != "best_step"})

    def metrics(self) -> dict[str, Any]:
        metric, scale = validation.metric_of(self.is_toy())
        return {"data": self.config.data, "src_lang": self.config.src_lang, "tgt_lang": self.config.tgt_lang,
                "task": "toy" if self.is_toy() else "translation", "steps": self.progress["step"],
                "best_step": self.progress["step"], "epochs": self.progress["epoch"],
                "train_seconds": round(self.progress["elapsed_s"], 1), "best_valid": self.progress["best"],
                "valid_metric": metric, "valid_metric_scale": scale, "precision": self.precision,
                "parameters": self.model.num_parameters(), "train_pairs": len(self.train_examples),
                "world_size": self.dist.world_size, "batches_per_step": self.batches_per_step,
                "data_sha256": self.data_sha256, "data_files": self.data_files,
                "model": to_dict(self.model.config), **provenance(self.command)}

    def finish(self, reason: str) -> None:
        """After the loop (rank 0): a last validation if the loop ran out, averaging, the test score."""
        if reason == "finished":  # any other reason was validated and saved at this very step
            self.validate(final=True)
        if reason == "stopped":
            return
        self._average_best()
        scores = validation.test_scores(self.out_dir, self.split, self.is_toy())
        checkpointing.update_metrics(self.out_dir, test={"greedy": scores}, stop_reason=reason)
        self._emit({"type": "test", **scores})

    def _average_best(self) -> None:
        """Replace the best checkpoint by the mean of the best snapshots when that validates at least as well."""
        kept = self.progress.get("snapshots", [])
        if len(kept) < 2:
            return
        best = ckpt.load_checkpoint(self.out_dir)
        checkpointing.average_snapshots(self.out_dir, kept, best.model)
        score = validation.decoded_score(best, self.split, self.config.valid_decode_limit, self.is_toy())
        self._emit({"type": "average", "checkpoints": len(kept), "score": score, "best": self.progress["best"]})
        if score >= self.progress["best"]:
            ckpt.save_checkpoint(self.out_dir, best)
            checkpointing.update_metrics(self.out_dir, averaged_checkpoints=[int(step) for _, step in kept],
                                         best_valid=score, best_single_valid=self.progress["best"])
