"""The gunicorn settings file's hooks (gunicorn.conf.py at the repository root)."""

import gc
import runpy
from pathlib import Path

SETTINGS = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_freezes_what_the_loaded_app_holds():
    hooks = runpy.run_path(str(SETTINGS))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
