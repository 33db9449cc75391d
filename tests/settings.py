"""Settings for the test suite: the project's own, with a throwaway SECRET_KEY when none is set.

The project refuses to start without SECRET_KEY unless DEBUG is on (crm_workstation/settings.py);
the tests sign nothing that outlives them, so a fixed, public key is fine here and only here.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-not-secret-never-use-in-production")

from crm_workstation.settings import *  # noqa: F403
