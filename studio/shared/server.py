"""What app.py's `st.App` is given besides its pages: the start-up work (studio/shared/warm_up.py) and the
upload guard, which lets only a session whose page shows an uploader, and in a classroom is unlocked,
store files (studio/shared/upload_guard.py)."""
from __future__ import annotations

from starlette.middleware import Middleware

from studio.shared.upload_guard import UploadGuard
from studio.shared.warm_up import lifespan

APP_OPTIONS = {"lifespan": lifespan, "middleware": [Middleware(UploadGuard)]}
