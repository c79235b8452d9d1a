"""``python -m cohere_medner.cli``: the ``cohere-medner`` command."""

from __future__ import annotations

import sys

from cohere_medner.cli import main

if __name__ == "__main__":
    sys.exit(main())
