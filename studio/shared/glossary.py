"""Short explanations of what is on the screen, for a student who has read one chapter on RNNs.

`what(topic)` puts a "What am I looking at?" popover under a chart; `HELP` holds one-line texts
for widget and metric help (the "?" beside a label). Texts are plain Markdown written here, never
model or user text, so they are shown as they are.
"""
from __future__ import annotations

import re

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
    "encoder": "**Encoder**: the network that reads the source sentence, one piece at a time, and turns it into "
               "hidden states, one per piece (h_i). Here a recurrent network (plain RNN, GRU or LSTM), often "
               "bidirectional.",
    "decoder": "**Decoder**: the network that writes the translation, one piece per step. At each step it reads "
               "the piece it wrote last and its own state s_t (and, with attention, a context vector) and gives a "
               "probability to every piece of the vocabulary for the next one.",
    "hidden_state": "**Hidden state**: the vector a recurrent network carries from one step to the next (h_i in the "
                    "encoder, s_t in the decoder), its memory of what it has read or written so far. Its size, e.g. "
                    "256 numbers, is fixed by the model, whatever the sentence's length.",
    "unit": "**Unit** (neuron): one number of a hidden state or of a gate, followed over the steps. A state of 256 "
            "numbers has 256 units.",
    "embedding": "**Embedding**: the vector x_i that stands for a piece, a row of a learned matrix E with one row "
                 "per piece of the vocabulary. Pieces used alike end up with similar rows.",
    "piece": "**Piece** (subword): the unit a model reads and writes. A tokenizer (here sentencepiece) cuts text "
             "into frequent words and fragments of rarer ones; ▁ marks a piece that starts a word. Character "
             "models read one character per piece.",
    "vocabulary": "**Vocabulary**: the fixed list of pieces a model knows, each with an id. The output layer gives "
                  "one score to every piece of the target vocabulary at every step.",
    "eos": "**</s>** (end of sentence): a special piece. The encoder reads it after the last piece; the decoder "
           "writes it to say the translation is finished. <s> starts decoding, and <unk> stands for a piece the "
           "model never saw in training.",
    "rnn": "**RNN** (recurrent neural network): the same small network applied at every step, h_i = tanh(W_eh x_i "
           "+ W_hh h_{i-1} + b_h): it mixes the new input x_i with the previous state h_{i-1} and squashes the "
           "sums. W_eh, W_hh and b_h are shared by all steps.",
    "tanh": "**tanh and ReLU**: the squashing function of a plain RNN. tanh maps any sum into (−1, 1) and is flat "
            "far from 0 (saturated); ReLU = max(0, a) keeps positive sums as they are and sets negative ones to 0, "
            "so nothing bounds a state that grows from step to step.",
    "gru": "**GRU** (gated recurrent unit): an RNN cell with an update gate z and a reset gate r that decide how "
           "much of the old state to keep. When z is near 1 the state, and the gradient, pass a step nearly "
           "unchanged.",
    "lstm": "**LSTM** (long short-term memory): an RNN cell with a separate memory cell c_t and input, forget and "
            "output gates. The cell is updated by addition, so information and gradients travel far.",
    "bidirectional": "**Bidirectional encoder**: two RNNs read the source, one left to right (→h_i) and one right "
                     "to left (←h_i); the encoder state h_i = [→h_i; ←h_i] joins them, so it knows the words on "
                     "both sides of piece i.",
    "fixed_vector": "**Fixed-length vector** (bridge, s_0): in the classic encoder-decoder the decoder starts from "
                    "one vector s_0 = tanh(W_b [→h_n; ←h_1] + b_b), the same size for a three-word sentence as "
                    "for a thirty-word one. Without attention everything the translation needs must fit in it: "
                    "the **bottleneck**, which is why such models lose long sentences.",
    "context_vector": "**Context vector** c_t = Σ_j α_tj h_j: the weighted average of the encoder states that "
                      "attention reads at decoding step t, with the step's attention weights α_tj.",
    "logit": "**Logit**: a raw score z_w the output layer gives to one piece w, z_t = W_hy h + b_y. Any real "
             "number; the softmax turns the scores of all pieces into probabilities.",
    "softmax": "**Softmax**: turns scores into probabilities: p_w = exp(z_w) / Σ_v exp(z_v). Every p is positive, "
               "they sum to 1, and the largest score gets the largest probability. Attention uses one over the "
               "source positions, the output layer one over the vocabulary.",
    "logprob": "**Log-probability** log p: the natural logarithm of a probability, 0 for certainty and more "
               "negative the less likely. A sentence's log p is the sum of its pieces' log p.",
    "greedy": "**Greedy decoding**: at every step take the most likely piece, feed it back in, and stop at </s>. "
              "Fast, but a choice that looks best now can lead to a worse sentence: beam search keeps a few "
              "alternatives.",
    "decoding_step": "**Decoding step** t: one pass of the decoder, which writes one piece. A translation of n "
                     "pieces takes n + 1 steps, the last one writing </s>.",
    "cross_entropy": "**Cross-entropy loss**: the mean of −log p over the pieces of the reference, each under "
                     "teacher forcing, in nats. 0 when the model gives every reference piece probability 1; ln V "
                     "for a model that spreads its probability evenly over V pieces.",
    "adam": "**Adam**: the optimizer that trains the model. After each batch it moves every parameter against "
            "its gradient, each by a step scaled by running averages of that parameter's gradients (m) and "
            "squared gradients (v), so that rarely updated parameters still move.",
    "learning_rate": "**Learning rate** η: how far each optimizer step moves the parameters. Too large and "
                     "training diverges, too small and it crawls.",
    "parameters": "**Parameters** (weights): the numbers a model learns, in its matrices (W_eh, W_hh, W_hy, the "
                  "embeddings, ...) and biases.",
    "training_step": "**Training step, batch, epoch**: a batch is a group of sentence pairs; one training step "
                     "computes the loss on a batch and updates the parameters once; an epoch is one pass over "
                     "the whole training data.",
    "gradient": "**Gradient**: how much the loss would change per unit change of each parameter (or state). "
                "Training follows it downhill; backpropagation through time carries it from each output step "
                "back through every recurrent step that produced it.",
    "vanishing_gradient": "**Vanishing gradient**: through a plain RNN the gradient is multiplied at every step "
                          "by diag(1 − h²) W_hh; when these factors are small it shrinks geometrically, and pieces "
                          "far back barely learn. GRU and LSTM gates give it a path that keeps it.",
    "exposure_bias": "**Exposure bias**: trained with teacher forcing, the decoder always saw correct previous "
                     "pieces; translating, it sees its own, so one early mistake takes it where it never was "
                     "in training.",
    "overfitting": "**Overfitting and the validation set**: the validation set is data the model never trains "
                   "on. When its loss turns up while the training loss still falls, the model is memorising "
                   "its training data instead of learning to translate.",
    "checkpoint": "**Checkpoint**: a saved model: its weights, its configuration, its tokenizers, its scores and "
                  "training curves, in one folder of checkpoints/.",
    "trajectory": "**Trajectory**: a sentence's hidden states drawn one after the other as a path, each state a "
                  "point in a 2-D projection (PCA) of the state space.",
    "neighbours": "**Nearest neighbours**: the states of training sentences most similar to one state of your "
                  "sentence, by cosine similarity (directions, 1 = same) or euclidean distance (positions, "
                  "0 = same).",
    "counterfactual": "**Word swap** (counterfactual): change one source word, keep everything else, and measure "
                      "how much each step's next-piece distribution moves (KL divergence).",
    "attribution": "**Attribution**: which source pieces an output piece depends on, from the model's gradients: "
                   "saliency (the gradient's size), gradient × input, and integrated gradients (the gradient "
                   "summed along a path from an empty input).",
    "faithfulness": "**Faithfulness check**: remove the source piece a pointer (attention, an attribution) ranks "
                    "first and see how much the output piece's probability falls: the pointer that costs the most "
                    "explains the model best.",
    "contrastive": "**Contrastive explanation**: why the model chose piece X *rather than* another candidate Y. "
                   "The attribution methods explain log p(X) − log p(Y) instead of log p(X): red pieces (source, "
                   "or output written so far) push toward X over Y, blue ones toward Y. Shown this way, people "
                   "predict a model's choices better than from plain attributions (Yin & Neubig, EMNLP 2022). "
                   "Its faithfulness check removes the top source piece and watches p(X | X or Y) = p(X) / "
                   "(p(X) + p(Y)), the model's choice between the two.",
    "seen_words": "**Words the model has seen**: a model learns what a word means only from the training "
                  "sentences that contain it. The pages count, in the model's own training data, the sentences "
                  "that contain each word you type (lowercased, punctuation ignored). A word it never saw is read "
                  "through pieces learnt from other words; a rare one (under 30 sentences) from a handful of "
                  "examples. Either way the output can be fluent and mean something else. On the default model's "
                  "test sentences, grouped by their rarest word, chrF is 37 where that word was never seen, 45 "
                  "where it is in 1-9 training sentences, 57 at 10-29 and 63-66 at 30-999.",
    "byte_piece": "**Byte pieces** such as <0x33>: when the tokenizer's vocabulary has no piece for a character, "
                  "sentencepiece spells it as its UTF-8 bytes, one piece per byte (<0x33> is \"3\", € is "
                  "<0xE2> <0x82> <0xAC>). Sentencepiece gives a piece of its own to the characters that make up "
                  "99.95% of the training text, so the characters spelled this way are the rarest ones, and every "
                  "one of them shares the same 256 byte pieces: the model knows little about what they stand for, "
                  "and numbers, prices and symbols often come out wrong.",
    "alignment": "**Word alignment and AER**: which source word each target word translates. Attention read as "
                 "alignment is scored by AER (alignment error rate, %, lower is better) against human links.",
    "guided_alignment": "**Guided alignment**: a training loss that pulls attention towards the word links of a "
                        "statistical aligner (eflomal), so that attention points at the word being translated.",
    "pattern_search": "**Pattern search**: select a span of your sentence; the units on over it are searched in "
                      "other sentences, where the same units fire together (as in LSTMVis).",
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
                        "the reference so far (blue, the left bar of each pair), next to the probability of the "
                        "piece the model itself would have chosen there (orange, the right bar). Where orange is much "
                        "higher, the model disagrees with the reference.", ("teacher_forcing",)),
    "candidates": ("The model's next-piece distribution at this step: the most likely pieces and their "
                   "probabilities. The piece actually taken is in orange, framed in black; with sampling or "
                   "forcing it need not be the top one.", ("entropy",)),
    "step_attention": ("Where the decoder looked while choosing this step's piece: the attention weight of each "
                       "source piece. The weights sum to 1.", ("attention",)),
    "beam_tree": ("Each dot is a partial translation ending in the piece written beside it; a line joins it to "
                  "the hypothesis it extends. Steps go left to right; the translation the search returned is the "
                  "top row, in bold, and below each hypothesis its extensions come best score (total "
                  "log-probability) first. Blue circles stay in the beam, green squares ended with </s>, grey "
                  "triangles (shown on request) were pruned because better ones filled the beam. A branch that "
                  "stops was dropped at the next step. A long sentence shows the steps around the current one; "
                  "\u2026 marks branches that began earlier.", ("beam",)),
    "equations": ("The decoder's equations for this model's cell and attention, with the numbers this step "
                  "actually computed: long vectors show their first values, size and mean.",
                  ("gates", "attention", "bahdanau", "input_feeding", "preactivation", "entropy")),
    "trajectories": ("Every hidden state is a point in a space with hundreds of dimensions; PCA draws its shadow "
                     "on two directions. One sentence becomes a path through that space, one point per piece (each "
                     "path with its own colour and dash). Grey dots are states of the model's training sentences, "
                     "so you see which region your sentence visits.", ("pca", "variance")),
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
                 "smoothing); perplexity = exp(loss). Blue solid line = training batches, red dashed line = the "
                 "validation set the model never trains on: when the red dashed line turns up while the blue one "
                 "goes down, the model starts to overfit. The third chart is the score on validation sentences "
                 "it translates itself.",
                 ("perplexity", "label_smoothing", "bleu")),
    "scores": ("BLEU and chrF measure overlap with the reference translations on the test split, which the model "
               "never saw; sentence BLEU is the same for one sentence (noisy, but good for finding bad ones).",
               ("bleu",)),
    "contrast": ("Why the model chose its piece X rather than the candidate Y you clicked. Each row explains "
                 "log p(X) − log p(Y) by the source pieces (left) and the output pieces the decoder already "
                 "read (right): red pushes toward X, blue toward Y; each row is scaled to its largest value. "
                 "Attention is the same for X and Y, so it is shown for comparison only. The check removes the "
                 "source piece each row ranks first and scores p(X | X or Y) again: the bigger the drop, the "
                 "better that row explained the choice.", ("attribution", "faithfulness")),
    # The Lesson's steps (studio/lesson).
    "lesson_cell": ("Each dot is one unit of the new state h_i: across, the weighted sum a it got; up, its value "
                    "after squashing. The dark line is the cell's function (tanh), the pale dashed one ReLU for "
                    "comparison. The strips are the four vectors of the update, one coloured cell per number "
                    "(blue negative, orange positive).", ("rnn", "tanh", "embedding", "preactivation")),
    "lesson_encoder": ("One row per source piece, one column per number of its encoder state h_i: the forward "
                       "RNN's half left of the black line, the backward RNN's half right; colour = value (blue "
                       "negative, orange positive). The rows of the word you follow are framed in red.",
                       ("bidirectional", "hidden_state", "unit")),
    "lesson_bridge": ("Top: the two states the bridge reads and the vector s_0 it makes of them, one cell per "
                      "number on one axis, so that their sizes compare. Bottom: for each word, how far s_0 moves "
                      "when the sentence loses that word (1 − cosine similarity; 0 = not at all).",
                      ("fixed_vector", "hidden_state", "encoder")),
    "lesson_softmax": ("The decoder's scores (logits) of the best pieces at this step and the probabilities the "
                       "softmax makes of them; below, the probability of every piece of the vocabulary, best "
                       "first, both axes on log scales: a few pieces take almost all of it.",
                       ("softmax", "logit", "vocabulary", "decoder")),
    "lesson_greedy": ("The translation as chips, one per decoding step: solid = written, framed in red = this "
                      "step, faded = still to come; colour = the probability it was taken with. The bars are this "
                      "step's best candidates: greedy takes the top one (red, framed in black).",
                      ("greedy", "beam", "decoding_step", "eos")),
    "lesson_training": ("Left: the training loss (blue, solid) and validation loss (red, dashed) of the shipped "
                        "model while it trained, and the loss of a uniform guess (grey dashed rule). Right: "
                        "validation BLEU (green, dotted). Bottom: −log p of each piece of the reference for your "
                        "sentence, teacher forced; their mean (red) is the loss.",
                        ("cross_entropy", "adam", "teacher_forcing", "overfitting", "bleu")),
    "lesson_gradient": ("For each cell (one line each, with its own colour, dash and point shape), the size of the "
                        "gradient that reaches a source letter against the number of recurrent steps between that "
                        "letter and the output step being trained (log scale). A falling line is a vanishing "
                        "gradient.", ("vanishing_gradient", "gradient", "gru", "lstm")),
    "lesson_attention": ("One row per output piece, one column per source piece; a dark cell means that while "
                         "writing that output piece the decoder gave that source piece a large attention weight. "
                         "Each row sums to 1. The black row is the decoding step of the slider, the red columns "
                         "the word you follow (in the bars of the step alone, red and framed in black).",
                         ("attention", "context_vector", "softmax", "fixed_vector")),
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
    """A "What am I looking at?" button opening a short explanation of one chart and the terms it uses,
    with links to their Glossary entries."""
    text, terms = VIEWS[topic]
    with st.popover("What am I looking at?", icon=":material/help:"):
        st.markdown(as_markdown(text))
        for term in terms:
            st.markdown(as_markdown(GLOSSARY[term]))
        st.markdown(links((*((ENTRY[topic],) if topic in ENTRY else ()), *terms)))


def terms(keys: tuple[str, ...], label: str = "What do these settings mean?") -> None:
    """A button opening the glossary entries for a group of settings."""
    with st.popover(label, icon=":material/help:"):
        for key in keys:
            st.markdown(as_markdown(GLOSSARY[key]))
        st.markdown(links(keys))


# The Glossary page (pages/7_Glossary.py) holds every entry of GLOSSARY under its anchor; each
# explanation links to the entries it uses, the view's main one first.
GLOSSARY_PAGE = "Glossary"  # its URL path, relative so that it works under any base path
ENTRY = {"chips": "entropy", "source_chips": "piece", "heatmap": "attention", "strategies": "greedy",
         "teacher_forcing": "teacher_forcing", "candidates": "softmax", "step_attention": "attention",
         "beam_tree": "beam", "equations": "rnn", "trajectories": "trajectory", "compare": "counterfactual",
         "neurons": "unit", "neighbours": "neighbours", "bottleneck": "fixed_vector", "training": "cross_entropy",
         "scores": "bleu", "contrast": "contrastive"}


def anchor(key: str) -> str:
    """The entry's anchor on the Glossary page: "teacher_forcing" -> "teacher-forcing"."""
    return key.replace("_", "-")


def title(key: str) -> str:
    """The entry's name: its text's bold start ("**Beam search** keeps ..." -> "Beam search")."""
    found = re.match(r"\*\*(.+?)\*\*", GLOSSARY[key])
    return found.group(1) if found else key.replace("_", " ")


def link(key: str) -> str:
    """A Markdown link to the entry's anchor on the Glossary page (it opens in a new tab). The anchor is
    also in the query string: the sidebar rewrites the URL as the page starts, which drops the #fragment
    before the browser could scroll to it, so the page scrolls there itself."""
    return f"[{as_markdown(title(key))}]({GLOSSARY_PAGE}?term={anchor(key)}#{anchor(key)})"


def links(keys) -> str:
    """One line of links to these entries, each once, in order."""
    return ":material/menu_book: In the Glossary: " + " · ".join(link(k) for k in dict.fromkeys(keys) if k in GLOSSARY)
