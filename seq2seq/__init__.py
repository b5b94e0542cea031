"""Seq2Seq Studio's engine: a compact RNN encoder-decoder with traced decoding. Never imports streamlit."""
from .checkpoint import Bundle, load_checkpoint, save_checkpoint
from .config import DecodeConfig, ModelConfig, TrainConfig
from .errors import UserError
from .trace import Trace
from .translator import Translator

__all__ = ["Bundle", "DecodeConfig", "ModelConfig", "Trace", "TrainConfig", "Translator", "UserError",
           "load_checkpoint", "save_checkpoint"]
