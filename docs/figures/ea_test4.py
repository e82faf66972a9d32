"""The flood engine on the Environment Agency's 2D benchmark Test 4: depth over time at the six gauges.

Runs :func:`twin.flood.validation.ea_test4` (5 m cells, 5 h; one to two minutes on 2 cores), writes
``docs/figures/ea-test4-gauges.png`` beside this script and prints the table of docs/flood.md (peak depths and
arrival times against LISFLOOD-FP DG2, and the volume error) in Markdown.

    python docs/figures/ea_test4.py [OUT.png]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from twin.flood.validation import ea_test4

OUT = Path(__file__).with_name("ea-test4-gauges.png")


def table(case, m: dict, wall_s: float) -> str:
    """The measured figures as the Markdown table of docs/flood.md."""
    lines = [
        "| gauge | x, y (m) | peak (m) | reference (m) | error (mm) | arrival (min) | reference (min) | error (min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for g, (x, y) in case.gauges.items():
        lines.append(
            f"| {g} | {x:g}, {y:g} | {m['peak_m'][g]:.4f} | {case.reference_peak_m[g]:.4f} | "
            f"{1000 * m['peak_error_m'][g]:+.1f} | {m['arrival_min'][g]:.1f} | {case.reference_arrival_min[g]:.1f} | "
            f"{m['arrival_error_min'][g]:+.1f} |"
        )
    lines.append("")
    lines.append(
        f"Inflow {case.inflow_volume_m3:,.0f} m³, stored at the end {m['stored_m3']:,.3f} m³: relative volume error "
        f"{m['volume_error']:.1e}. Simulation {wall_s:.0f} s."
    )
    return "\n".join(lines)


def draw(case, ds, m: dict, out: Path) -> None:
    """Six panels, one per gauge: the depth over time, the reference peak and arrival, the model's arrival."""
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.2), sharex=True, sharey=True, layout="constrained")
    t_h = ds.gauge_time.values / 3600.0
    for ax, g in zip(axes.flat, case.gauges, strict=True):
        ax.plot(t_h, ds.gauge_depth.sel(gauge=g).values, color="#1f5fa8", lw=1.6, label="twin (5 m)")
        ax.axhline(case.reference_peak_m[g], color="#c0392b", ls="--", lw=1.0, label="reference peak")
        ax.axvline(case.reference_arrival_min[g] / 60.0, color="#c0392b", ls=":", lw=1.2, label="reference arrival")
        ax.plot(m["arrival_min"][g] / 60.0, case.params.wet_threshold_m, "o", ms=4, color="#1f5fa8",
                label="twin arrival (1 cm)")  # fmt: skip
        x, y = case.gauges[g]
        ax.set_title(
            f"{g} ({x:g}, {y:g} m): peak {1000 * m['peak_error_m'][g]:+.1f} mm, "
            f"arrival {m['arrival_error_min'][g]:+.1f} min",
            fontsize=9,
        )
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("time (h)")
    for ax in axes[:, 0]:
        ax.set_ylabel("depth (m)")
    axes.flat[0].legend(fontsize=7.5, loc="lower right")
    axes.flat[0].set_xlim(0, 5)
    axes.flat[0].set_ylim(0, 0.36)
    fig.suptitle(
        f"{case.name}: depth at the gauges against {case.reference_model}; volume error {m['volume_error']:.0e}",
        fontsize=10,
    )
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(out: Path = OUT) -> None:
    case = ea_test4()
    started = time.perf_counter()
    ds = case.run()
    wall = time.perf_counter() - started
    m = case.measure(ds)
    draw(case, ds, m, out)
    print(table(case, m, wall))
    print(f"run: {json.loads(ds.attrs['run'])}; gates met: {m['passed']}; figure: {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
