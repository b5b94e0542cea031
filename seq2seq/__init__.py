"""Seq2Seq Studio's engine: a compact RNN encoder-decoder with traced decoding. Never imports streamlit."""
from seq2seq.checkpoint import Bundle, load_checkpoint, save_checkpoint
from seq2seq.config import DecodeConfig, ModelConfig, TrainConfig
from seq2seq.decoding.trace import Trace
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError

# The one version string: pyproject.toml reads it from here, `seq2seq --version` prints it.
__version__ = "0.1.0"

__all__ = ["Bundle", "DecodeConfig", "ModelConfig", "Trace", "TrainConfig", "Translator", "UserError",
           "__version__", "load_checkpoint", "save_checkpoint"]
