"""The Lesson's steps, one module each, in the order the learner meets them. Each step is a function drawing
its text, its equation with live values and its live view for the followed sentence. Every number a text
states is computed from the same data its chart draws (sizes from the model's own arrays, never written by
hand); where a text contrasts two outputs (greedy and beam, attention and none) it says whether they differ
on the learner's sentence, and offers an example checked here to differ when they do not.

A step's number comes from its place in STEPS (steps.common.number), never from the prose: a new step is one
module here and one line below.
"""
from studio.lesson.steps.attention import attention
from studio.lesson.steps.bridge import bridge
from studio.lesson.steps.cell import cell
from studio.lesson.steps.common import Context, Step
from studio.lesson.steps.encoder import encoder
from studio.lesson.steps.gradient import gradient
from studio.lesson.steps.greedy import greedy
from studio.lesson.steps.softmax import softmax
from studio.lesson.steps.training import training

__all__ = ["STEPS", "Context", "Step"]

_ORDER = (
    ("Cell", "The tanh RNN cell", cell),
    ("Encoder", "The bidirectional encoder", encoder),
    ("Fixed vector", "The fixed-length vector", bridge),
    ("Softmax", "The softmax output", softmax),
    ("Greedy", "Greedy decoding to </s>", greedy),
    ("Training", "Training: Adam and cross-entropy", training),
    ("Gradient", "The vanishing gradient", gradient),
    ("Attention", "Attention, the fix", attention),
)
STEPS = tuple(Step(f"{n} {short}", title, draw) for n, (short, title, draw) in enumerate(_ORDER, 1))
