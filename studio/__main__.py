"""`python -m studio` (and `seq2seq app`): `streamlit run` on the app wherever it lies, in a clone or installed,
with the options given (e.g. --server.port 8502). Streamlit reads the .streamlit/config.toml beside app.py."""
import os
import sys

from studio.shared.pagemap import APP_ROOT

command = [sys.executable, "-m", "streamlit", "run", str(APP_ROOT / "app.py"), *sys.argv[1:]]
os.execv(command[0], command)
