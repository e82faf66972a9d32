"""Urban fabric of the demo town: street grids and the buildings that fill their blocks.

A district's fabric is laid out on a rotated street grid (:func:`street_grid`),
whose blocks are then filled by one of four typologies:

* :func:`perimeter_blocks` -- the old centre: contiguous buildings along the
  street front around a courtyard;
* :func:`slab_blocks` -- the station district: mid-rise apartment and office slabs;
* :func:`house_blocks` -- suburbs: detached houses on garden plots;
* :func:`shed_blocks` -- the industrial zone: large flat-roofed sheds in paved yards.

All coordinates are local metres (see :mod:`twin.synthetic.terrain`). Every
function draws from the generator it is given, in a fixed order, so a seed
always gives the same town.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import shapely

#: Storey height, m.
STOREY = 3.0

# Land-cover codes of data/landcover.csv.
WATER, BUILDING, ROAD, PAVED, BARE_SOIL, GRASS, GARDEN, TREES, MEADOW = range(1, 10)


@dataclass(frozen=True)
class Frame:
    """A local street-grid frame: origin (m) and rotation (rad, counter-clockwise)."""

    u: float
    v: float
    angle: float

    def to_world(self, xy: np.ndarray) -> np.ndarray:
        """Frame coordinates (n, 2) to local map coordinates, m."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        return np.column_stack([self.u + c * xy[:, 0] - s * xy[:, 1], self.v + s * xy[:, 0] + c * xy[:, 1]])

    def to_frame(self, xy: np.ndarray) -> np.ndarray:
        """Local map coordinates (n, 2) to frame coordinates, m."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        du, dv = xy[:, 0] - self.u, xy[:, 1] - self.v
        return np.column_stack([c * du + s * dv, -s * du + c * dv])

    def boxes(self, x0, y0, x1, y1) -> np.ndarray:
        """Polygons of frame-aligned rectangles, as an array of shapely geometries."""
        x0, y0, x1, y1 = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (x0, y0, x1, y1))
        return shapely.transform(shapely.box(x0, y0, x1, y1), self.to_world)


@dataclass(frozen=True)
class Block:
    """One block of a street grid: its frame rectangle and its (possibly clipped) polygon."""

    frame: Frame
    rect: tuple[float, float, float, float]
    polygon: shapely.Polygon
    whole: bool


@dataclass
class Fabric:
    """Buildings and land-cover patches produced by a fabric generator (append-only)."""

    polygons: list = field(default_factory=list)
    floors: list = field(default_factory=list)
    height: list = field(default_factory=list)
    use: list = field(default_factory=list)
    detached: list = field(default_factory=list)  # True for a detached house (one dwelling)
    cover: list = field(default_factory=list)  # (polygon, land-cover code), painted in order

    def add_buildings(self, polygons, floors, height, use, *, detached: bool = False) -> None:
        """Append buildings; drops empty or tiny (< 25 m²) footprints."""
        polygons = _largest_parts(np.asarray(polygons, dtype=object))
        keep = ~shapely.is_empty(polygons) & (shapely.area(polygons) >= 25.0)
        self.polygons.extend(polygons[keep])
        self.floors.extend(np.asarray(floors, dtype=np.int64)[keep])
        self.height.extend(np.round(np.asarray(height, dtype=float)[keep], 1))
        self.use.extend(np.asarray(use, dtype=object)[keep])
        self.detached.extend([detached] * int(keep.sum()))

    def paint(self, polygons, code: int) -> None:
        """Append land-cover patches of one class."""
        for p in np.atleast_1d(np.asarray(polygons, dtype=object)):
            if p is not None and not p.is_empty:
                self.cover.append((p, code))

    def extend(self, other: Fabric) -> None:
        """Append everything from ``other``."""
        for name in ("polygons", "floors", "height", "use", "detached", "cover"):
            getattr(self, name).extend(getattr(other, name))


def _largest_parts(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its largest polygon (None where there is none)."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = shapely.Polygon()
        elif g.geom_type == "Polygon":
            out[i] = g
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
            out[i] = max(parts, key=lambda p: p.area) if parts else shapely.Polygon()
    return out


def split(rng: np.random.Generator, a: float, b: float, lo: float, hi: float) -> np.ndarray:
    """Cut ``[a, b]`` into pieces of random width about ``lo..hi``; returns the edges, m."""
    n = max(1, round((b - a) / (0.5 * (lo + hi))))
    w = rng.uniform(lo, hi, n)
    return a + np.concatenate([[0.0], np.cumsum(w) / w.sum()]) * (b - a)


def _grid_lines(rng, lo_bound, hi_bound, lo, hi) -> np.ndarray:
    """Grid-line positions through 0 covering ``[lo_bound, hi_bound]``, spacings ``lo..hi``, m."""
    pos = [0.0]
    while pos[-1] < hi_bound:
        pos.append(pos[-1] + rng.uniform(lo, hi))
    neg = [0.0]
    while neg[-1] > lo_bound:
        neg.append(neg[-1] - rng.uniform(lo, hi))
    return np.array(neg[:0:-1] + pos)


def street_grid(
    zone, *, frame: Frame, rng: np.random.Generator, spacing_x, spacing_y, street_width: float, min_area: float = 300.0
) -> tuple[list[Block], list[shapely.LineString]]:
    """Lay a street grid over ``zone``.

    Parameters
    ----------
    zone : shapely.Polygon or MultiPolygon
        Where blocks may go (roads, river and reserved lots already cut out).
    frame : Frame
        Origin and orientation of the grid; one street passes through the origin.
    rng : numpy.random.Generator
        Source of the block sizes.
    spacing_x, spacing_y : tuple of float
        Range of street spacing along the frame axes, m.
    street_width : float
        Width between building lines, m.
    min_area : float
        Smallest block kept, m².

    Returns
    -------
    blocks : list of Block
    streets : list of shapely.LineString
        Street centre lines, clipped to ``zone`` grown by 10 m so that they reach
        the main roads around it.
    """
    ring = shapely.get_coordinates(zone)
    fx = frame.to_frame(ring)
    xs = _grid_lines(rng, fx[:, 0].min(), fx[:, 0].max(), *spacing_x)
    ys = _grid_lines(rng, fx[:, 1].min(), fx[:, 1].max(), *spacing_y)
    h = street_width / 2.0
    x0, y0 = np.meshgrid(xs[:-1] + h, ys[:-1] + h)
    x1, y1 = np.meshgrid(xs[1:] - h, ys[1:] - h)
    x0, y0, x1, y1 = (a.ravel() for a in (x0, y0, x1, y1))
    rects = frame.boxes(x0, y0, x1, y1)
    clipped = _largest_parts(shapely.intersection(rects, zone))
    area = shapely.area(clipped)
    blocks = []
    for i in range(len(rects)):
        full = (x1[i] - x0[i]) * (y1[i] - y0[i])
        if area[i] >= min_area and area[i] >= 0.2 * full:
            whole = area[i] >= 0.999 * full
            blocks.append(Block(frame, (x0[i], y0[i], x1[i], y1[i]), rects[i] if whole else clipped[i], whole))

    reach = shapely.buffer(zone, 10.0)
    lo_y, hi_y = ys[0], ys[-1]
    lo_x, hi_x = xs[0], xs[-1]
    segs = [np.array([[x, lo_y], [x, hi_y]]) for x in xs] + [np.array([[lo_x, y], [hi_x, y]]) for y in ys]
    lines = shapely.linestrings([frame.to_world(s) for s in segs])
    streets = []
    for part in shapely.get_parts(shapely.intersection(lines, reach)):
        streets.extend(p for p in shapely.get_parts(shapely.line_merge(part)) if p.geom_type == "LineString")
    streets = [s for s in streets if s.length >= 30.0]
    return blocks, streets


def _clip_to_block(block: Block, polygons: np.ndarray) -> np.ndarray:
    return polygons if block.whole else _largest_parts(shapely.intersection(polygons, block.polygon))


def _pick_use(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    names = list(shares)
    p = np.array([shares[k] for k in names], dtype=float)
    return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]


def perimeter_blocks(
    blocks: list[Block],
    rng: np.random.Generator,
    *,
    depth=(9.0, 14.0),
    frontage=(7.0, 15.0),
    floors=(3, 6),
    floor_weights=None,
    uses=None,
    p_gap: float = 0.05,
    p_green_court: float = 0.5,
) -> Fabric:
    """Contiguous street-front buildings around courtyards (old town blocks).

    Parameters
    ----------
    depth, frontage : tuple of float
        Range of building depth and street frontage, m.
    floors : tuple of int
        Smallest and largest number of storeys.
    floor_weights : sequence of float, optional
        Relative frequency of each number of storeys.
    uses : dict of str to float
        Share of each building use.
    p_gap : float
        Probability that a lot stays empty (passage, yard).
    p_green_court : float
        Probability that a courtyard is a garden or has trees rather than paving.
    """
    uses = uses or {"residential": 0.8, "commercial": 0.16, "other": 0.04}
    n_floor = np.arange(floors[0], floors[1] + 1)
    fw = np.ones(len(n_floor)) if floor_weights is None else np.asarray(floor_weights, dtype=float)
    fab = Fabric()
    for b in blocks:
        x0, y0, x1, y1 = b.rect
        w, h = x1 - x0, y1 - y0
        dmax = min(depth[1], (min(w, h) - 6.0) / 2.0)
        lots = []  # (x0, y0, x1, y1) in the frame
        if dmax < depth[0]:
            if w >= h:
                e = split(rng, x0, x1, *frontage)
                lots += [(a, y0, c, y1) for a, c in itertools.pairwise(e)]
            else:
                e = split(rng, y0, y1, *frontage)
                lots += [(x0, a, x1, c) for a, c in itertools.pairwise(e)]
            court = None
        else:
            for side in (0, 1):  # south and north street fronts, full width
                e = split(rng, x0, x1, *frontage)
                d = rng.uniform(depth[0], dmax, len(e) - 1)
                d[0] = d[-1] = dmax
                for (a, c), di in zip(itertools.pairwise(e), d, strict=True):
                    lots.append((a, y0, c, y0 + di) if side == 0 else (a, y1 - di, c, y1))
            if y1 - y0 - 2 * dmax > 5.0:
                for side in (0, 1):  # west and east street fronts, between the corners
                    e = split(rng, y0 + dmax, y1 - dmax, *frontage)
                    d = rng.uniform(depth[0], dmax, len(e) - 1)
                    for (a, c), di in zip(itertools.pairwise(e), d, strict=True):
                        lots.append((x0, a, x0 + di, c) if side == 0 else (x1 - di, a, x1, c))
            court = (x0 + dmax, y0 + dmax, x1 - dmax, y1 - dmax)
        lots = np.array(lots)
        keep = rng.random(len(lots)) >= p_gap
        n = len(lots)
        fl = rng.choice(n_floor, size=n, p=fw / fw.sum())
        roof = rng.uniform(0.5, 2.0, n)
        use = _pick_use(rng, n, uses)
        polys = _clip_to_block(b, b.frame.boxes(*lots.T))
        fab.paint(b.polygon, PAVED)
        if court is not None and court[2] - court[0] > 6 and court[3] - court[1] > 6:
            draw = rng.random()
            code = GARDEN if draw < 0.7 * p_green_court else (TREES if draw < p_green_court else PAVED)
            if code != PAVED:
                fab.paint(_clip_to_block(b, b.frame.boxes(*court)), code)
        fab.add_buildings(polys[keep], fl[keep], (STOREY * fl + roof)[keep], use[keep])
    return fab


def slab_blocks(
    blocks: list[Block],
    rng: np.random.Generator,
    *,
    floors=(4, 8),
    depth=(12.0, 15.0),
    setback: float = 5.0,
    commercial_near=None,
    commercial_radius: float = 160.0,
) -> Fabric:
    """Mid-rise slabs (apartments, offices) along the block edges, parking and lawns between.

    Parameters
    ----------
    floors : tuple of int
        Smallest and largest number of storeys.
    depth : tuple of float
        Range of slab depth, m.
    setback : float
        Distance from the building line, m.
    commercial_near : tuple of float, optional
        ``(u, v)`` of the station: slabs within ``commercial_radius`` m are
        mostly commercial (offices, shops, hotel).
    """
    fab = Fabric()
    for b in blocks:
        x0, y0, x1, y1 = b.rect
        ix0, iy0, ix1, iy1 = x0 + setback, y0 + setback, x1 - setback, y1 - setback
        wi, hi = ix1 - ix0, iy1 - iy0
        if wi < 20 or hi < 15:
            continue
        slabs = []
        d = rng.uniform(*depth, 3)
        for side in (0, 1):
            if side == 1 and hi < 2 * d[1] + 18.0:
                break
            dd = d[side]
            if wi > 75:
                gap = rng.uniform(10.0, 16.0)
                cut = ix0 + rng.uniform(0.4, 0.6) * (wi - gap)
                spans = [(ix0, cut), (cut + gap, ix1)]
            else:
                length = wi * rng.uniform(0.7, 1.0)
                start = ix0 + rng.uniform(0.0, wi - length)
                spans = [(start, start + length)]
            for a, c in spans:
                slabs.append((a, iy0, c, iy0 + dd) if side == 0 else (a, iy1 - dd, c, iy1))
        mid = hi - 2 * d[:2].max() - 18.0
        if mid > 30 and wi > 2 * d[2] + 30:
            cx = ix0 + rng.uniform(0.3, 0.7) * wi
            slabs.append((cx - d[2] / 2, iy0 + d[0] + 9.0, cx + d[2] / 2, iy1 - d[1] - 9.0))
        slabs = np.array(slabs)
        n = len(slabs)
        fl = rng.integers(floors[0], floors[1] + 1, n)
        roof = rng.uniform(0.3, 1.2, n)
        polys = _clip_to_block(b, b.frame.boxes(*slabs.T))
        use = np.where(rng.random(n) < 0.85, "residential", "commercial").astype(object)
        if commercial_near is not None:
            c = shapely.centroid(b.polygon)
            if np.hypot(c.x - commercial_near[0], c.y - commercial_near[1]) < commercial_radius:
                use = np.where(rng.random(n) < 0.6, "commercial", "residential").astype(object)
        fab.paint(b.polygon, GRASS)
        park = b.frame.boxes(ix0 + 0.1 * wi, iy0 + d[0] + 3, ix1 - 0.1 * wi, iy0 + d[0] + 3 + min(25.0, 0.4 * hi))
        fab.paint(_clip_to_block(b, park), PAVED)
        k = rng.integers(2, 6)
        tx = rng.uniform(ix0, ix1, k)
        ty = rng.uniform(iy0, iy1, k)
        trees = shapely.buffer(shapely.points(b.frame.to_world(np.column_stack([tx, ty]))), rng.uniform(4.0, 7.0, k))
        fab.paint(_clip_to_block(b, trees), TREES)
        fab.add_buildings(polys, fl, STOREY * fl + roof, use)
    return fab


def house_blocks(
    blocks: list[Block],
    rng: np.random.Generator,
    *,
    frontage=(14.0, 22.0),
    width=(8.0, 12.0),
    depth=(8.0, 11.0),
    setback=(4.0, 7.0),
    p_two_floors: float = 0.55,
    p_empty: float = 0.04,
    p_tree: float = 0.55,
) -> Fabric:
    """Detached houses on garden plots, one or two rows per block.

    Parameters
    ----------
    frontage : tuple of float
        Range of plot width along the street, m.
    width, depth : tuple of float
        Range of house width (along the street) and depth, m.
    setback : tuple of float
        Range of the distance from the street to the house front, m.
    p_two_floors, p_empty, p_tree : float
        Probabilities of a two-storey house, of an empty plot and of a tree
        clump in the back garden.
    """
    fab = Fabric()
    for b in blocks:
        x0, y0, x1, y1 = b.rect
        h = y1 - y0
        fab.paint(b.polygon, GARDEN)
        rows = [(y0, y0 + h / 2, 0), (y0 + h / 2, y1, 1)] if h >= 44.0 else [(y0, y1, int(rng.random() < 0.5))]
        for ry0, ry1, faces_north in rows:
            e = split(rng, x0, x1, *frontage)
            n = len(e) - 1
            fw = e[1:] - e[:-1]
            hw = np.minimum(rng.uniform(*width, n), fw - 4.0)
            hd = np.minimum(rng.uniform(*depth, n), (ry1 - ry0) - 9.0)
            sb = rng.uniform(*setback, n)
            off = rng.random(n)
            two = rng.random(n) < p_two_floors
            empty = rng.random(n) < p_empty
            tree = rng.random(n) < p_tree
            tree_r = rng.uniform(3.0, 6.0, n)
            tree_f = rng.random(n)
            hx0 = e[:-1] + 2.0 + off * np.maximum(fw - 4.0 - hw, 0.0)
            if faces_north:
                hy1 = ry1 - sb
                hy0 = hy1 - hd
                ty = ry0 + tree_r + 1.0
            else:
                hy0 = ry0 + sb
                hy1 = hy0 + hd
                ty = ry1 - tree_r - 1.0
            ok = (hw >= 6.0) & (hd >= 6.0) & ~empty
            fl = np.where(two, 2, 1)
            height = np.where(two, rng.uniform(6.5, 8.5, n), rng.uniform(4.5, 6.0, n))
            polys = _clip_to_block(b, b.frame.boxes(hx0, hy0, hx0 + hw, hy1))
            tx = e[:-1] + tree_r + 1.0 + tree_f * np.maximum(fw - 2 * tree_r - 2.0, 0.0)
            centres = shapely.points(b.frame.to_world(np.column_stack([tx, ty])))
            fab.paint(_clip_to_block(b, shapely.buffer(centres[tree], tree_r[tree])), TREES)
            fab.add_buildings(
                polys[ok], fl[ok], height[ok], np.full(int(ok.sum()), "residential", dtype=object), detached=True
            )
    return fab


def shed_blocks(
    blocks: list[Block], rng: np.random.Generator, *, setback: float = 6.0, p_commercial: float = 0.15
) -> Fabric:
    """Large flat-roofed sheds (30-100 m, 8-14 m high) in paved yards, grass verges along the streets."""
    fab = Fabric()
    for b in blocks:
        x0, y0, x1, y1 = b.rect
        ix0, iy0, ix1, iy1 = x0 + setback, y0 + setback, x1 - setback, y1 - setback
        if ix1 - ix0 < 30 or iy1 - iy0 < 25:
            continue
        fab.paint(b.polygon, GRASS)
        fab.paint(_clip_to_block(b, b.frame.boxes(ix0, iy0, ix1, iy1)), PAVED)
        ex = split(rng, ix0, ix1, 50.0, 90.0)
        ey = split(rng, iy0, iy1, 45.0, 75.0)
        sheds = []
        for px0, px1 in itertools.pairwise(ex):
            for py0, py1 in itertools.pairwise(ey):
                pw, ph = px1 - px0 - 6.0, py1 - py0 - 6.0
                sw = min(max(pw * rng.uniform(0.6, 0.9), 30.0), 100.0, pw)
                sh = min(max(ph * rng.uniform(0.55, 0.85), 20.0), 100.0, ph)
                sx = px0 + 3.0 + rng.uniform(0.0, max(pw - sw, 0.0))
                sy = py0 + 3.0 + rng.uniform(0.0, max(ph - sh, 0.0))
                if sw >= 15 and sh >= 15 and rng.random() < 0.85:
                    sheds.append((sx, sy, sx + sw, sy + sh))
        if not sheds:
            continue
        sheds = np.array(sheds)
        n = len(sheds)
        fl = np.where(rng.random(n) < 0.7, 1, 2)
        height = rng.uniform(8.0, 14.0, n)
        use = np.where(rng.random(n) < p_commercial, "commercial", "industrial").astype(object)
        fab.add_buildings(_clip_to_block(b, b.frame.boxes(*sheds.T)), fl, height, use)
    return fab
