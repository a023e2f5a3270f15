#!/usr/bin/env python
"""Django's command-line utility; `hanjiang` is the same with a curated help."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parent / "src")]
    from hanjiang.cli import main

    main()
