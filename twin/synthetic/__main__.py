"""Write the demo territory: ``python -m twin.synthetic OUTDIR [--seed N] [--overwrite]``.

The published demo is ``python -m twin.synthetic data/demo`` (seed 2154).
"""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import TwinError
from .files import write_town
from .town import make_town


def main(argv: list[str] | None = None) -> int:
    """Generate the town and write it with :func:`twin.synthetic.files.write_town`; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m twin.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="folder to write territory.toml, the rasters and the GeoPackages into")
    parser.add_argument("--seed", type=int, default=2154, help="random seed (default: 2154, the published demo)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    town = make_town(seed=args.seed)
    try:
        path = write_town(town, args.outdir, overwrite=args.overwrite)
    except TwinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    b, d = town.buildings, town.districts
    print(
        f"{town.name}: {len(b)} buildings, {int(d['population'].sum())} inhabitants in {len(d)} districts, "
        f"{len(town.sites)} sites; {town.grid.describe()}"
    )
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
