"""twin.flood.warmup: the flood kernels compiled in a second process; it must run, or its failure would go unseen."""

from __future__ import annotations

import subprocess
import sys

import pytest

from twin.flood.warmup import compile_flood, start, waiter


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_the_warm_up_floods_run_in_both_precisions(precision):
    compile_flood(precision)  # raises if an event or a parameter of the warm-up is wrong


def test_the_warm_up_process_ends_cleanly_and_the_waiter_waits_for_it():
    process = start("float32")
    assert process is not None
    waiter(process)()
    assert process.returncode == 0
    waiter(None)()  # no process: nothing to wait for


def test_a_broken_warm_up_is_ignored_not_raised():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    waiter(process)()
    assert process.returncode == 3
