"""app.py without the config's OU cross-check: two OUs adopting one existing OU id then reach the
baseline StackSet construct, which refuses them with its own ValueError. Proves, through the real
CLI, that an error a construct raises while the stacks are built is reported like a config error
(file, field, value) and not as a traceback, whatever check would have caught it earlier."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2]))

from landing_zone.config import cross_checks

cross_checks.CHECKS = tuple(
    check for check in cross_checks.CHECKS if check.__name__ != "_organizational_units"
)

import app  # noqa: E402

sys.exit(app.main())
