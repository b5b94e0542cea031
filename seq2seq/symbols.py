"""The special symbols every tokenizer, model and search shares, at fixed ids so that none need ask.

This module and `seq2seq.files` sit on the bottom floor: the network (nn/) reads the padding id
from here without importing the tokenizers (and sentencepiece) above it.
"""
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")
