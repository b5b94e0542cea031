"""Start-up work, so that the first visitor does not wait for it, and the server's sockets set to
send each message at once (studio/shared/no_delay.py).

`streamlit run app.py` serves app.py's `st.App`, whose lifespan starts `warm` in a background
thread as the server starts, while the first browser is still loading the page: it imports the
engine (torch alone takes about two seconds), gives torch one thread, loads the default model into the
model cache every session shares, translates the home page's example into the trace cache and builds
one chart (Altair builds its schema tables on first use). The first page then finds all of it done; a page that
asks sooner waits for the same imports and cache entries instead of repeating them.

Last, it freezes what is loaded by then out of the garbage collector's sight. Streamlit runs a
full collection after every script run (`runner.postScriptGC`), and with torch loaded that walks
some 300,000 objects: about 150 ms per rerun on an idle 2-core machine, most of what a click cost.
Frozen objects are still freed when their last reference goes; only reference cycles among them
would stay, and modules, a model and caches that live as long as the server are not garbage.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import threading

from studio.shared import altair_speed
from studio.shared.no_delay import no_delay_on_listening_sockets

# Outside a script run Streamlit's caches warn that there is no script context; here that is expected.
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


@contextlib.asynccontextmanager
async def lifespan(_app):
    no_delay_on_listening_sockets()  # before the server accepts anyone (studio/shared/no_delay.py)
    threading.Thread(target=warm, name="warm-up", daemon=True).start()
    yield


def warm() -> None:
    altair_speed.install()  # the chart built below fills its table
    logger = logging.getLogger(_CONTEXT_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        _warm_default_model()
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first page does the work itself
        logging.getLogger(__name__).exception("warm-up failed; the first page will load the model itself")
    finally:
        logger.setLevel(level)
    gc.collect()  # what the warm-up left behind goes first, so that only live objects are frozen
    gc.freeze()


def _warm_default_model() -> None:
    from seq2seq.service import classroom_gate, list_models, one_thread
    from studio.shared import cache, specs
    from studio.shared.coverage import training_words
    from studio.shared.examples import example_sentence
    from studio.shared.selection import cached_translator
    from studio.shared.sidebar import decode_config

    # One sentence at a time is too small for intra-op threads to pay: measured on a 2-core machine a
    # trace took several times longer with torch's default two threads than with one, and several
    # sessions at once each get a core instead of fighting over spinning thread pools. Set here, as the
    # server starts, rather than as a side effect of importing a studio module.
    one_thread()
    classroom_gate()  # takes the passphrase out of the environment before any run is launched
    models = list_models()
    if not models:
        return
    info = models[0]  # the default model comes first
    cached_translator(str(info.path), info.version)
    decode = decode_config("greedy")
    timed = cache.cached_trace(str(info.path), info.version, example_sentence(info), decode, ())
    specs.translation_chips(info, decode, timed.trace)
    # The words of its training data, which the first translation's notes look up (counted once, a few
    # seconds; later starts read them from the user cache).
    training_words(str(info.path), info.version)
