"""``python -m twin.cli``, used by the benchmarks."""

from . import main

main()
