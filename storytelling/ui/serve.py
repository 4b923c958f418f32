"""`storytelling serve`: the app, with the sample warmed up while the first visitor's browser loads."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def serve(extra: list[str]) -> int:
    """``streamlit run app.py``, then, as soon as the server answers, the sample is loaded and scored
    into the shared caches while the first visitor's browser is still loading the page."""
    import logging
    import threading
    import urllib.request

    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.is_file():
        print("storytelling: error: app.py not found; install from the repository with pip install -e .",
              file=sys.stderr)
        return 2
    port = next((extra[i + 1] for i, a in enumerate(extra[:-1]) if a == "--server.port"), None)
    port = port or next((a.split("=", 1)[1] for a in extra if a.startswith("--server.port=")), "8501")

    def warm() -> None:
        for _ in range(600):  # wait for the server: warming earlier would slow its start (one GIL)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        # cached functions called outside a page run log that once per call: expected here
        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
        try:
            import storytelling.export.tables
            import storytelling.ui.render
            import storytelling.ui.sidebar  # noqa: F401  (the first page's own imports)
            from storytelling.ui.caches import warm_sample

            warm_sample()
        except Exception as exc:  # the app still works; its first page is just slower
            print(f"storytelling: warm-up skipped: {exc}", file=sys.stderr)

    threading.Thread(target=warm, name="storytelling-warm-up", daemon=True).start()
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(app), *extra]
    return stcli.main()
