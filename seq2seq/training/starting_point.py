"""Where a training run starts from: its own checkpoint (resume), a checkpoint to fine-tune, or a new model
with tokenizers trained on the split; and the training stages the weights went through before."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from seq2seq import checkpoint as ckpt
from seq2seq.checkpoint import Bundle
from seq2seq.config import ModelConfig, TrainConfig, model_config_from_dict, to_dict
from seq2seq.data.batches import Example
from seq2seq.data.pairs import Split
from seq2seq.data.tokenizer import build_tokenizers
from seq2seq.errors import UserError
from seq2seq.training.distributed import Context
from seq2seq.training.guidance import attach_links
from seq2seq.training.provenance import lineage_of


def build_bundle(config: TrainConfig, model_options: dict[str, Any], split: Split, out_dir: Path,
                 resume: bool) -> tuple[Bundle, list[dict[str, Any]]]:
    """The model to train: the run's own checkpoint (resume), a checkpoint to fine-tune, or a new one;
    with the training stages its weights went through before this run (see provenance.lineage_of)."""
    earlier: list[dict[str, Any]] = []
    if resume:
        bundle = ckpt.load_checkpoint(out_dir)
        earlier = lineage_of(bundle.metrics)[:-1]
    elif config.init_from:
        start = ckpt.load_checkpoint(config.init_from)
        model_config = model_config_from_dict({**to_dict(start.config), **model_options})
        model = ckpt.build_model(model_config)
        try:
            model.load_state_dict(start.model.state_dict())
        except RuntimeError as exc:
            raise UserError(f"init_from {config.init_from}: its weights do not fit the model asked for "
                            f"({str(exc).splitlines()[-1].strip()}); "
                            "change only settings that keep the shapes") from None
        bundle = Bundle(model, start.src_tokenizer, start.tgt_tokenizer, config, path=out_dir)
        earlier = lineage_of(start.metrics)
    else:
        src_tok, tgt_tok = build_tokenizers(config.tokenizer, split)
        model_config = model_config_from_dict({**model_options, "src_vocab_size": src_tok.vocab_size,
                                               "tgt_vocab_size": tgt_tok.vocab_size})
        bundle = Bundle(ckpt.build_model(model_config), src_tok, tgt_tok, config, path=out_dir)
    bundle.train_config = config
    bundle.model.train()
    return bundle, earlier


def attach_guidance(examples: list[Example], model_config: ModelConfig, config: TrainConfig, dist: Context) -> None:
    """Give every training example its aligner links when the run is guided (see training.guidance)."""
    if not config.guided_alignment:
        return
    if model_config.attention == "none":
        raise UserError("guided_alignment needs a model with attention (model.attention is 'none')")
    if dist.is_main:  # the aligner samples at random: one rank computes, the others read its cache
        attach_links(examples, model_config.source_eos)
    dist.broadcast(None)
    if not dist.is_main:
        attach_links(examples, model_config.source_eos)


def check_data(steps_per_epoch: int, batches_per_step: int, bundle: Bundle, data_sha256: str, dist: Context) -> None:
    """Enough batches for one step, and (under torchrun) the same examples and vocabulary on every rank."""
    if steps_per_epoch == 0:
        raise UserError(f"an epoch holds fewer than {batches_per_step} batches: lower batch_tokens "
                        "or use fewer processes")
    vocab = [[tok.piece(i) for i in range(tok.vocab_size)] for tok in (bundle.src_tokenizer, bundle.tgt_tokenizer)]
    if not dist.same_everywhere(f"{data_sha256} {vocab}"):
        raise UserError("the processes loaded different data or built different tokenizers; "
                        "give every node the same corpus files")
