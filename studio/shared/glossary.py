"""Short explanations of what is on the screen, for a student who has read one chapter on RNNs.

`what(topic)` puts a "What am I looking at?" popover under a chart; `HELP` holds one-line texts
for widget and metric help (the "?" beside a label). Texts are plain Markdown written here, never
model or user text, so they are shown as they are.
"""
from __future__ import annotations

import streamlit as st

GLOSSARY = {
    "nats": "**Nats** are the unit of information when logarithms are natural (base e): 1 nat ≈ 1.44 bits. "
            "A log-probability of −0.69 nats is a probability of 50 %.",
    "entropy": "**Entropy** H = −Σ p log p of a next-piece distribution measures how unsure the model is, in "
               "nats: 0 when it puts all its probability on one piece, ln 2 ≈ 0.69 when it hesitates between "
               "two equally likely pieces, ln(vocabulary size) when every piece is equally likely.",
    "kl": "**KL divergence** KL(P ‖ Q) = Σ p (log p − log q) measures, in nats, how much a distribution Q differs "
          "from P. It is 0 when they are the same and grows when Q gives little probability to what P expects.",
    "pca": "**PCA** (principal component analysis) finds the directions in which a cloud of hidden states varies "
           "most. PC1 is the direction of largest spread, PC2 the largest one at right angles to PC1, and so on. "
           "Drawing states on two components is a flat shadow of a space with hundreds of dimensions.",
    "variance": "**% of variance** says how much of the states' total spread lies along a component. If two axes "
                "explain 30 %, the picture keeps 30 % of how the states differ and hides the rest: points that "
                "look close may be far apart in the real space.",
    "attention": "**Attention** lets the decoder look back at every source position at each step. It scores "
                 "each encoder state against the decoder's state, turns the scores into weights that sum to 1 "
                 "(a softmax) and reads the weighted average of the encoder states (the context vector).",
    "bahdanau": "**Bahdanau** (additive) attention scores with a small network: e = vᵀ tanh(W s + U h). "
                "**Luong** (multiplicative) scores with one matrix: e = sᵀ W h. **Dot** scores with the plain "
                "dot product e = sᵀ h (no parameters; sizes must match).",
    "input_feeding": "**Input feeding** (Luong 2015) gives the decoder, besides the previous piece, the previous "
                     "step's attentional vector, so it knows what it already looked at.",
    "tied": "**Tied embeddings** use the same matrix for the target embeddings and the output layer: a piece's "
            "input vector is also the vector its output score is measured against. It saves parameters and "
            "often helps on small data; the two sizes must then be equal.",
    "label_smoothing": "**Label smoothing** trains on a target that gives the right piece most of the probability "
                       "(e.g. 0.9) and spreads the rest over all pieces. The model becomes less over-confident; "
                       "the training loss can then never reach 0.",
    "sampling": "**Sampling** draws each piece at random from the model's distribution instead of taking the most "
                "likely one. **Temperature** T divides the scores before the softmax: T < 1 sharpens the "
                "distribution (closer to greedy), T > 1 flattens it. At T = 1 the model's own distribution is used, "
                "and its many unlikely pieces together still get a fair share of the probability: one unlucky draw "
                "and the rest of the sentence follows from a piece the model did not believe in. **Top-k** keeps "
                "only the k most likely pieces, **top-p** (nucleus) the smallest set whose probabilities add up "
                "to p; both cut off that unlikely tail.",
    "beam": "**Beam search** keeps the best few partial translations (the beam) at every step instead of one. "
            "Longer outputs add more negative log-probabilities, so raw scores favour short ones; the **length "
            "penalty** α divides the score by ((5 + length) / 6)^α (Wu et al. 2016): α = 0 is the raw score, "
            "larger α favours longer translations.",
    "preactivation": "**Pre-activation** is the value inside a unit before its squashing function: for a plain RNN "
                     "a = W x + U h + b, and the new state is h = tanh(a). Values far from 0 saturate the tanh "
                     "at ±1.",
    "gates": "**Gates** are numbers between 0 and 1 that decide how much information flows. In a GRU the update "
             "gate z chooses between keeping the old state (z near 1) and taking the new candidate; the reset "
             "gate r chooses how much of the old state the candidate may use. An LSTM has input, forget and "
             "output gates around a separate memory cell.",
    "teacher_forcing": "**Teacher forcing** feeds the decoder the reference's previous piece instead of its own "
                       "choice. Training uses it; at translation time the model must live with its own choices, "
                       "so one early mistake can lead it astray (**exposure bias**).",
    "perplexity": "**Perplexity** = exp(loss): the number of pieces the model is, on average, as unsure between "
                  "as if it picked uniformly among them. 1 is perfect; a fresh model starts near the vocabulary size.",
    "bleu": "**BLEU** (0-100) counts how many 1- to 4-word sequences of the output appear in the reference, with a "
            "penalty for outputs that are too short. **chrF** does the same on characters. **Exact match** is the "
            "share (0-100 %) of outputs identical to a reference: the measure for toy tasks.",
}

VIEWS = {
    "chips": ("Each chip is one output piece, in order. Its colour is the entropy of the step that chose it: "
              "pale = the model was sure, dark = it hesitated between several pieces.", ("entropy", "nats")),
    "source_chips": ("The sentence as the model reads it: cut into pieces by its tokenizer (characters or "
                     "subwords), ending with the end-of-sentence symbol </s>. Hover a chip for its id in the "
                     "vocabulary.", ()),
    "heatmap": ("One row per output piece, one column per source piece. A dark cell means that, while writing "
                "that output piece, the decoder gave that source piece a large attention weight. Each row sums "
                "to 1. Many models park spare attention on </s>; hiding it renormalises every row over the real "
                "pieces. Whole words add up the attention a word's pieces got and average over the pieces of "
                "each output word.", ("attention",)),
    "strategies": ("The same sentence decoded three ways with the sidebar's settings. Greedy takes the most "
                   "likely piece each time; beam search keeps several partial translations and picks the best "
                   "whole one; sampling draws at random. Colour = log-probability of each piece: dark = unlikely.",
                   ("beam", "sampling", "nats")),
    "teacher_forcing": ("For each piece of your reference: the probability the model gives it when it has been fed "
                        "the reference so far (blue), next to the probability of the piece the model itself would "
                        "have chosen there (orange). Where orange is much higher, the model disagrees with the "
                        "reference.", ("teacher_forcing",)),
    "candidates": ("The model's next-piece distribution at this step: the most likely pieces and their "
                   "probabilities. The piece actually taken is in orange; with sampling or forcing it need not be "
                   "the top one.", ("entropy",)),
    "step_attention": ("Where the decoder looked while choosing this step's piece: the attention weight of each "
                       "source piece. The weights sum to 1.", ("attention",)),
    "beam_tree": ("Each dot is a partial translation ending in that piece; lines join it to the hypothesis it "
                  "extends. Steps go down, and across each row the hypotheses are ordered by their score (total "
                  "log-probability, 0 = best). Blue ones stay in the beam, green ones ended with </s>, grey ones "
                  "were pruned because better ones filled the beam.", ("beam",)),
    "equations": ("The decoder's equations for this model's cell and attention, with the numbers this step "
                  "actually computed: long vectors show their first values, size and mean.",
                  ("gates", "attention", "bahdanau", "input_feeding", "preactivation", "entropy")),
    "trajectories": ("Every hidden state is a point in a space with hundreds of dimensions; PCA draws its shadow "
                     "on two directions. One sentence becomes a path through that space, one point per piece. Grey "
                     "dots are states of the model's training sentences, so you see which region your sentence "
                     "visits.", ("pca", "variance")),
    "compare": ("Change one source word and feed both sentences the original output. For each output step, the "
                "bar is the KL divergence between the two next-piece distributions: high where the changed word "
                "matters for that step.", ("kl", "teacher_forcing")),
    "neurons": ("Each row is one unit of the hidden state (or one gate), each column one piece; the colour is its "
                "value at that step. Sorting by variance puts the units that change most on top; sorting by "
                "correlation puts first the units that rise or fall exactly where a chosen piece occurs.",
                ("gates", "preactivation")),
    "neighbours": ("The training states most similar to one state of your sentence. Cosine similarity compares "
                   "directions (1 = same direction); euclidean distance compares positions (0 = same point). "
                   "Neighbours often share the piece or its role in the sentence.", ()),
    "bottleneck": ("A model without attention must squeeze the whole source into one fixed-size vector before it "
                   "writes anything. Scoring both models by source length shows the cost: the no-attention line "
                   "falls faster as sentences get longer.", ("attention", "bleu")),
    "training": ("Loss is the cross-entropy per target piece in nats (the training curve includes label "
                 "smoothing); perplexity = exp(loss). Blue = training batches, red = the validation set the model "
                 "never trains on: when red turns up while blue goes down, the model starts to overfit. The third "
                 "chart is the score on validation sentences it translates itself.",
                 ("perplexity", "label_smoothing", "bleu")),
    "scores": ("BLEU and chrF measure overlap with the reference translations on the test split, which the model "
               "never saw; sentence BLEU is the same for one sentence (noisy, but good for finding bad ones).",
               ("bleu",)),
}

HELP = {
    "entropy": "Entropy of the next-piece distribution in nats: 0 = certain; ln 2 ≈ 0.69 = torn between two "
               "pieces; ln(vocabulary size) = no idea.",
    "p_taken": "The probability the model gave the piece taken at this step.",
    "temperature": "Divides the scores before the softmax: below 1 sharpens (closer to greedy), above 1 flattens "
                   "(more random). At 1 the model's own distribution is sampled.",
    "top_k": "Sample only among the k most likely pieces (0 = all pieces).",
    "top_p": "Sample only among the most likely pieces whose probabilities add up to p (1 = all pieces).",
    "length_penalty": "Beam scores are log p / ((5 + length) / 6)^α. α = 0 favours short outputs; larger α "
                      "favours longer ones.",
    "beam_size": "How many partial translations beam search keeps at every step.",
    "seed": "The random seed of sampling: the same seed gives the same draws.",
    "attention": "bahdanau: additive scores vᵀ tanh(W s + U h); luong: sᵀ W h; dot: sᵀ h; none: no attention, the "
                 "decoder sees the source only through the encoder's final state.",
    "tie": "Use the target embedding matrix as the output layer too (saves parameters); needs embedding size = "
           "output size.",
    "label_smoothing": "Train towards a target that gives the right piece 1 − ε of the probability and spreads ε "
                       "over all pieces: less over-confident models; the training loss cannot reach 0.",
    "teacher_forcing": "1 = always feed the reference's previous piece while training; lower values sometimes feed "
                       "the model's own prediction instead (scheduled sampling).",
    "loss": "Cross-entropy per target piece (nats) over the last reporting window; includes label smoothing.",
    "tokens_per_s": "Target pieces processed per second of training.",
    "lr": "Adam's learning rate; halved when the validation score stops improving.",
}


def as_markdown(text: str) -> str:
    """`</s>` in Markdown is an HTML tag that the sanitiser drops: shown as written instead."""
    return text.replace("<", "\\<")


def what(topic: str) -> None:
    """A "What am I looking at?" button opening a short explanation of one chart and the terms it uses."""
    text, terms = VIEWS[topic]
    with st.popover("What am I looking at?", icon=":material/help:"):
        st.markdown(as_markdown(text))
        for term in terms:
            st.markdown(as_markdown(GLOSSARY[term]))


def terms(keys: tuple[str, ...], label: str = "What do these settings mean?") -> None:
    """A button opening the glossary entries for a group of settings."""
    with st.popover(label, icon=":material/help:"):
        for key in keys:
            st.markdown(as_markdown(GLOSSARY[key]))
