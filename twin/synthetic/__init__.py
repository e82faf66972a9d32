"""Synthetic demo territory: a fictional French river town, generated from a seed.

>>> from twin.synthetic import make_town
>>> town = make_town(seed=2154)  # doctest: +SKIP

The published demo in ``data/demo`` is ``python -m twin.synthetic data/demo``
(seed 2154), written by :func:`twin.synthetic.files.write_town`. Importing this
package computes nothing.
"""

from .town import Town, make_town

__all__ = ["Town", "make_town"]
