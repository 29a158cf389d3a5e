"""Run every benchmark module (benchmarks/bench_*.py), or those named on the command line.

Each module has ``async def main() -> None`` or ``def main() -> None`` that prints its own table.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    selected = [m for m in modules if not names or any(n in m for n in names)]
    for name in selected:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        outcome = module.main()
        if inspect.isawaitable(outcome):
            asyncio.run(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
