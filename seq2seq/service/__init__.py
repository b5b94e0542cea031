"""The service layer: the one door through which the app reaches the engine.

Models (list, find, load, summarise, the Models page's table and zips), evaluations, traces (trace,
teacher-force, check a forced prefix), analyses (reference states and their projections, units,
neighbours, counterfactuals, scores by length), explanations (attribution, gradients, pattern search)
and, in `service.runs` and `service.experiments`, training runs and sweeps. Everything comes back as
plain data: dataclasses, lists, dicts, numpy arrays and DataFrames, never a module the caller must
reach into. A function is written here only where it adds something (composes engine calls, turns
results into plain data, checks input); an engine function the app calls as it is, is re-exported.
"""
from seq2seq.nn import notation  # service.notation: the design's equations, for the step page and lesson
from seq2seq.service import (
    experiments,  # service.experiments: sweeps, overlays, lengths
    runs,  # service.runs: the Train page's door
)

# Each module's __all__, named here one by one so that a reader (and a linter) sees where a name comes
# from; tests/test_imports.py fails when a module's __all__ gains a name this list lacks.
from seq2seq.service.analyses import (
    FAMILIES,
    METRICS,
    SPACES,
    Counterfactual,
    Reference,
    StateIndex,
    background,
    cached_scores,
    counterfactual,
    explained,
    known_word,
    nearest,
    project,
    reads_words,
    scores_by_length,
    similar_words,
    source_words,
    state_index,
    swap_word,
    trace_states,
    training_reference,
    typed_reference,
    unit_order,
)
from seq2seq.service.coverage import (
    BytePieces,
    Coverage,
    CoverageConfig,
    WordCounts,
    WordSeen,
    byte_runs,
    input_coverage,
    training_words,
)
from seq2seq.service.evaluation import (
    Evaluation,
    compare_typed,
    evaluate,
    side_by_side,
    test_set,
)
from seq2seq.service.explain import (
    ATTRIBUTION_LABELS,
    ATTRIBUTION_METHODS,
    GRADIENT_MODELS,
    PATTERN_THRESHOLD,
    PATTERN_THRESHOLDS,
    CellReading,
    GradientCurve,
    PatternMatch,
    PatternResult,
    PieceAttribution,
    PieceContrast,
    Removal,
    ThresholdCount,
    explain_contrast,
    explain_piece,
    gradient_curve,
    gradient_models,
    gradient_reference,
    gradient_sentence,
    gradient_summary,
    pattern_search,
    pattern_thresholds,
    read_cells,
    suggested_threshold,
    threshold_hint,
)
from seq2seq.service.models import (
    DEFAULT_MODEL,
    Comparison,
    Fact,
    ModelInfo,
    ModelSummary,
    architecture,
    attention_of,
    bottleneck_models,
    checkpoint_zip,
    compare_checkpoints,
    compare_models,
    find_model,
    list_models,
    load_translator,
    models_table,
    one_thread,
    summary,
)

# Classroom mode: whether teacher actions need the passphrase, and the constant-time check itself.
from seq2seq.service.passphrase import TeacherGate, classroom_gate
from seq2seq.service.traces import (
    BOS_ID,
    PAD_ID,
    UNK_ID,
    BeamNode,
    StepTrace,
    Timed,
    Trace,
    clean_text,
    teacher_forced,
    trace,
    trace_page,
    valid_prefix,
    vega_script,
)
from seq2seq.service.walkthrough import (
    EncoderWalk,
    SourceWalk,
    output_distributions,
    source_walk,
    training_history,
)
