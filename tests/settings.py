"""Settings for the test suite: the project's own, with a throwaway SECRET_KEY when none is set.

The project refuses to start without SECRET_KEY unless DEBUG is on (crm_workstation/settings.py);
the tests sign nothing that outlives them, so a fixed, public key is fine here and only here.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-not-secret-never-use-in-production")

from crm_workstation.settings import *  # noqa: F403

# SQLite tests use a database file, not shared memory: the concurrency tests open real parallel
# connections, and in a file they meet SQLite's own locking (one writer at a time, the others
# wait up to the busy timeout) exactly as two requests of `./run.sh` would. pytest-django adds
# each xdist worker's suffix to the name and deletes the file afterwards.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"crm-tests-{os.getpid()}.sqlite3")
    }
