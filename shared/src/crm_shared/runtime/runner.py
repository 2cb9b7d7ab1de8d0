"""Runs one service the way ``nameko run`` does, without eventlet's start-up deprecation banner.

Usage: ``python -m crm_shared.runtime.runner MODULE CONFIG``.
"""

from __future__ import annotations

import sys
import warnings


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    module, config_path = argv
    from nameko.cli.main import main as nameko_main

    sys.argv = ["nameko", "run", "--config", config_path, module]
    nameko_main()


if __name__ == "__main__":
    main(sys.argv[1:])
