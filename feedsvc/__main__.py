"""`python -m feedsvc`, the same as the `feedsvc` command."""

from __future__ import annotations

import sys

from feedsvc.cli import main

sys.exit(main())
