"""Meshes of a territory: the terrain, the extruded buildings and the water surface, as pyvista PolyData.

Coordinates are in the local frame of ``docs/viewer.md``, in metres: ``x - x0``, ``y - y0`` and the elevation,
``z`` up. Each mesh carries per-vertex colours (point data ``"RGB"``, ``uint8``, sRGB) and unit normals (point
data ``"Normals"``). pyvista is imported when a mesh is made, never at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from twin.errors import DataSourceError, message

from .layers import Layer, colours, get_layer, hex_rgb

if TYPE_CHECKING:
    import pyvista as pv
    from affine import Affine

MIN_HEIGHT_M = 3.0  # a building is drawn at least this tall, m
GROUND = "#d9d6cc"  # ground with no colour of its own


def _edges(n: int, stride: int) -> np.ndarray:
    """Every ``stride``-th index of ``n``, the last one included."""
    idx = np.arange(0, n, stride)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def _check_transform(transform: Affine) -> None:
    if transform.b != 0 or transform.d != 0 or transform.a <= 0 or transform.e >= 0:
        raise DataSourceError(message("scene", "grid transform", "north-up with no rotation", tuple(transform)[:6]))


def _vertex_normals(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit normals at the vertices of a triangle mesh."""
    a, b, c = (points[faces[:, k]] for k in range(3))
    fn = np.cross(b - a, c - a)
    vn = np.stack(
        [np.bincount(faces.ravel(), weights=np.repeat(fn[:, k], 3), minlength=len(points)) for k in range(3)], axis=1
    )
    norm = np.linalg.norm(vn, axis=1, keepdims=True)
    return np.where(norm > 0, vn / np.where(norm > 0, norm, 1.0), [0.0, 0.0, 1.0]).astype(np.float32)


def _polydata(points: np.ndarray, faces: np.ndarray, rgb: np.ndarray, normals: np.ndarray | None = None):
    import pyvista as pv

    mesh = pv.PolyData.from_regular_faces(np.asarray(points, dtype=np.float64), np.asarray(faces, dtype=np.int64))
    mesh.point_data["RGB"] = np.ascontiguousarray(rgb[:, :3], dtype=np.uint8)
    mesh.point_data["Normals"] = _vertex_normals(mesh.points, faces) if normals is None else normals
    mesh.point_data.active_normals_name = "Normals"
    return mesh


def _grid_faces(nr: int, nc: int) -> np.ndarray:
    """Two counter-clockwise (seen from above) triangles per quad of an ``nr`` x ``nc`` vertex grid, rows southward."""
    i, j = np.meshgrid(np.arange(nr - 1), np.arange(nc - 1), indexing="ij")
    nw, ne = i * nc + j, i * nc + j + 1
    sw, se = nw + nc, ne + nc
    return np.concatenate([np.stack([sw, se, ne], -1).reshape(-1, 3), np.stack([sw, ne, nw], -1).reshape(-1, 3)])


def terrain_mesh(
    elevation: np.ndarray,
    transform: Affine,
    *,
    origin: tuple[float, float],
    stride: int = 2,
    colours: np.ndarray | None = None,
) -> pv.PolyData:
    """The ground as a triangulated surface through every ``stride``-th cell centre.

    The last row and column are always kept and the outermost vertices sit on the grid's edges, so the mesh
    covers the grid's outline exactly.

    Parameters
    ----------
    elevation : numpy.ndarray of shape (rows, columns)
        Ground elevation, m (row 0 is north). NaN is drawn at the lowest elevation.
    transform : affine.Affine
        The grid's north-up transform (cell size in m).
    origin : tuple of float
        ``(x0, y0)`` subtracted from the coordinates, m.
    stride : int
        Keep one cell centre in ``stride`` along each axis.
    colours : numpy.ndarray of shape (rows, columns, 3 or 4), optional
        ``uint8`` colour of each cell; a neutral ground colour if omitted.

    Returns
    -------
    pyvista.PolyData
        Triangles, with point data ``"RGB"`` and ``"Normals"``.
    """
    elevation = np.asarray(elevation, dtype=np.float64)
    _check_transform(transform)
    if elevation.ndim != 2 or min(elevation.shape) < 2 or not np.isfinite(elevation).any():
        raise DataSourceError(message("terrain", "elevation", "a 2-D grid of at least 2 x 2 cells with values",
                                      f"shape {elevation.shape}"))  # fmt: skip
    if int(stride) < 1:
        raise DataSourceError(message("terrain", "stride", "a whole number of cells >= 1", stride))
    ny, nx = elevation.shape
    rows, cols = _edges(ny, int(stride)), _edges(nx, int(stride))
    xs = transform.c + (cols + 0.5) * transform.a
    ys = transform.f + (rows + 0.5) * transform.e
    xs[0], xs[-1] = transform.c, transform.c + nx * transform.a
    ys[0], ys[-1] = transform.f, transform.f + ny * transform.e
    z = elevation[np.ix_(rows, cols)]
    z = np.where(np.isfinite(z), z, np.nanmin(elevation))
    xx, yy = np.meshgrid(xs - origin[0], ys - origin[1])
    points = np.column_stack([xx.ravel(), yy.ravel(), z.ravel()])
    if colours is None:
        rgb = np.broadcast_to(hex_rgb(GROUND), (points.shape[0], 3))
    else:
        rgb = np.asarray(colours)[np.ix_(rows, cols)].reshape(-1, np.asarray(colours).shape[-1])
    return _polydata(points, _grid_faces(len(rows), len(cols)), rgb)


def sample_footprints(
    footprints,
    building_height: np.ndarray,
    elevation: np.ndarray,
    transform: Affine,
    *,
    min_height: float = MIN_HEIGHT_M,
) -> tuple[np.ndarray, np.ndarray]:
    """The height and ground level of each footprint, from the grid's rasters.

    Parameters
    ----------
    footprints : geopandas.GeoDataFrame or GeoSeries
        Polygons in the grid's CRS.
    building_height, elevation : numpy.ndarray of shape (rows, columns)
        Building height and ground elevation on the grid, m.
    transform : affine.Affine
        The grid's transform.
    min_height : float
        Smallest height returned, m.

    Returns
    -------
    heights, ground : numpy.ndarray
        Per footprint: the highest building height of the cells whose centre it covers (at least ``min_height``)
        and the lowest ground elevation there, m. A footprint that covers no cell centre reads the cell under
        its representative point.
    """
    import shapely
    from rasterio.features import rasterize

    geoms = np.asarray(getattr(footprints, "geometry", footprints))
    n = len(geoms)
    heights, ground = np.full(n, -np.inf), np.full(n, np.inf)
    shape = elevation.shape
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms)) if n else np.zeros(0, bool)
    if ok.any():
        shapes = ((g, i + 1) for i, g in zip(np.flatnonzero(ok), geoms[ok], strict=True))
        ids = rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="int32")
        covered = ids > 0
        k = ids[covered] - 1
        np.fmax.at(heights, k, np.asarray(building_height, dtype=np.float64)[covered])
        np.fmin.at(ground, k, np.asarray(elevation, dtype=np.float64)[covered])
    lost = ok & ~np.isfinite(ground)
    if lost.any():
        pts = shapely.point_on_surface(geoms[lost])
        col = np.clip(((shapely.get_x(pts) - transform.c) / transform.a).astype(int), 0, shape[1] - 1)
        row = np.clip(((shapely.get_y(pts) - transform.f) / transform.e).astype(int), 0, shape[0] - 1)
        heights[lost] = np.asarray(building_height, dtype=np.float64)[row, col]
        ground[lost] = np.asarray(elevation, dtype=np.float64)[row, col]
    ground = np.where(np.isfinite(ground), ground, np.nanmin(elevation))
    return np.fmax(np.where(np.isfinite(heights), heights, 0.0), min_height), ground


def building_mesh(footprints, heights_m, ground_m, *, origin: tuple[float, float], colours) -> pv.PolyData | None:
    """All buildings as one closed triangle mesh, each extruded from its ground to ground + height.

    Parameters
    ----------
    footprints : geopandas.GeoDataFrame or GeoSeries
        Polygons or multipolygons (holes and concave shapes allowed), m.
    heights_m, ground_m : array_like of float
        Height and ground level of each footprint, m.
    origin : tuple of float
        ``(x0, y0)`` subtracted from the coordinates, m.
    colours : array_like of uint8, shape (n, 3) or (3,)
        Colour of each building, or one for all.

    Returns
    -------
    pyvista.PolyData or None
        Roofs, walls and floors (flat-shaded: each wall, roof and floor has its own vertices and normal), with
        point data ``"RGB"`` and ``"Normals"``; None if there is no footprint. Invalid footprints are repaired
        with ``shapely.make_valid``; empty ones and anything but polygons are left out.
    """
    import shapely

    geoms = np.asarray(getattr(footprints, "geometry", footprints))
    n = len(geoms)
    heights_m, ground_m = np.broadcast_to(heights_m, n).astype(float), np.broadcast_to(ground_m, n).astype(float)
    rgb = np.broadcast_to(np.asarray(colours, dtype=np.uint8), (n, 3))
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if bad.any():  # self-crossing rings would break the triangulation: repair them as GIS tools do
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while (collections := shapely.get_type_id(parts) == 7).any():  # make_valid may give collections
        inner, which = shapely.get_parts(parts[collections], return_index=True)
        parts = np.concatenate([parts[~collections], inner])
        owner = np.concatenate([owner[~collections], owner[collections][which]])
    parts, owner = shapely.get_parts(parts), owner[np.repeat(np.arange(len(parts)), shapely.get_num_geometries(parts))]
    polygons = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygons], owner[polygons]
    keep = shapely.area(parts) > 0
    parts, owner = shapely.orient_polygons(parts[keep], exterior_cw=False), owner[keep]
    if not len(parts):
        return None
    x0, y0 = origin
    bottom, top = ground_m[owner], ground_m[owner] + heights_m[owner]

    # roofs and floors: a constrained Delaunay triangulation of each part, counter-clockwise
    tris, tri_part = shapely.get_parts(shapely.constrained_delaunay_triangles(parts), return_index=True)
    xy = shapely.get_coordinates(shapely.get_exterior_ring(tris)).reshape(-1, 4, 2)[:, :3]
    cross = (xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1]) - (xy[:, 1, 1] - xy[:, 0, 1]) * (
        xy[:, 2, 0] - xy[:, 0, 0]
    )
    xy[cross < 0] = xy[cross < 0][:, ::-1]
    key = np.column_stack([np.repeat(tri_part, 3), xy.reshape(-1, 2)])
    unique, inverse = np.unique(key, axis=0, return_inverse=True)
    cap_part = unique[:, 0].astype(np.int64)
    cap_faces = inverse.reshape(-1, 3)
    m = len(unique)

    def cap(z, normal_z, faces):
        pts = np.column_stack([unique[:, 1] - x0, unique[:, 2] - y0, z[cap_part]])
        return pts, faces, np.tile([0.0, 0.0, normal_z], (m, 1)), cap_part

    roof = cap(top, 1.0, cap_faces)
    floor = cap(bottom, -1.0, cap_faces[:, ::-1])

    # walls: one quad per ring edge; rings are counter-clockwise outside and clockwise around holes
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    edge = np.flatnonzero(ring_of[:-1] == ring_of[1:])
    p0, p1 = coords[edge], coords[edge + 1]
    d = p1 - p0
    length = np.hypot(d[:, 0], d[:, 1])
    edge, p0, p1, d, length = edge[length > 0], p0[length > 0], p1[length > 0], d[length > 0], length[length > 0]
    part = ring_part[ring_of[edge]]
    zb, zt = bottom[part], top[part]
    quad = np.stack([np.column_stack([p0, zb]), np.column_stack([p1, zb]), np.column_stack([p1, zt]),
                     np.column_stack([p0, zt])], axis=1)  # fmt: skip
    quad[..., 0] -= x0
    quad[..., 1] -= y0
    k = len(edge)
    base = 4 * np.arange(k)[:, None]
    wall_faces = np.concatenate([base + np.array([0, 1, 2]), base + np.array([0, 2, 3])])
    normal = np.column_stack([d[:, 1] / length, -d[:, 0] / length, np.zeros(k)])
    wall = (quad.reshape(-1, 3), wall_faces, np.repeat(normal, 4, axis=0), np.repeat(part, 4))

    points, faces, normals, where, offset = [], [], [], [], 0
    for pts, f, nrm, prt in (roof, floor, wall):
        points.append(pts)
        faces.append(f + offset)
        normals.append(nrm)
        where.append(prt)
        offset += len(pts)
    vertex_owner = owner[np.concatenate(where)]
    return _polydata(
        np.concatenate(points), np.concatenate(faces), rgb[vertex_owner], np.concatenate(normals).astype(np.float32)
    )


def _blocks(values: np.ndarray, stride: int, how) -> np.ndarray:
    """``how`` (a NaN-aware reducer) over blocks of ``stride`` x ``stride`` cells, NaN-padded at the far edges."""
    import warnings

    if stride == 1:
        return values
    ny, nx = values.shape
    padded = np.pad(values, ((0, -ny % stride), (0, -nx % stride)), constant_values=np.nan)
    blocks = padded.reshape(padded.shape[0] // stride, stride, padded.shape[1] // stride, stride)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks are dry: NaN is the answer
        return how(blocks, axis=(1, 3))


def water_mesh(
    depth: np.ndarray,
    elevation: np.ndarray,
    transform: Affine,
    *,
    origin: tuple[float, float],
    layer: Layer | str,
    stride: int = 1,
) -> pv.PolyData | None:
    """The water surface over the cells at least the ramp's ``clear_below`` deep, coloured by depth.

    Parameters
    ----------
    depth, elevation : numpy.ndarray of shape (rows, columns)
        Water depth and ground elevation, m.
    transform : affine.Affine
        The grid's north-up transform.
    origin : tuple of float
        ``(x0, y0)`` subtracted from the coordinates, m.
    layer : Layer or str
        A water layer (its ramp is a surface) that colours the water.
    stride : int
        Cells per side of a block: a block is wet if one of its cells is, at the mean water level of its wet
        cells and coloured by their deepest water.

    Returns
    -------
    pyvista.PolyData or None
        Two triangles per wet cell (or block), covering exactly its square; vertices shared between wet cells
        sit at the mean water level (``elevation + depth``) of the wet cells around them. None when dry.
    """
    layer = get_layer(layer) if isinstance(layer, str) else layer
    _check_transform(transform)
    depth, elevation = np.asarray(depth, dtype=np.float64), np.asarray(elevation, dtype=np.float64)
    if depth.shape != elevation.shape or depth.ndim != 2:
        raise DataSourceError(message("water surface", "water depth",
                                      f"a map of the elevation's shape {elevation.shape}", f"shape {depth.shape}"))
    if int(stride) < 1:
        raise DataSourceError(message("water", "stride", "a whole number of cells >= 1", stride))
    stride = int(stride)
    wet = np.isfinite(depth) & np.isfinite(elevation) & (depth >= (layer.ramp.clear_below or 0.0))
    if not wet.any():
        return None
    level = _blocks(np.where(wet, elevation + depth, np.nan), stride, np.nanmean)
    deepest = _blocks(np.where(wet, depth, np.nan), stride, np.nanmax)
    wet = np.isfinite(level)
    nby, nbx = wet.shape
    ny, nx = depth.shape
    # corner (r, c) touches blocks (r-1..r, c-1..c); its level and depth are the means over the wet ones
    total, count, deep = (np.zeros((nby + 1, nbx + 1)) for _ in range(3))
    for dr in (0, 1):
        for dc in (0, 1):
            total[dr : dr + nby, dc : dc + nbx] += np.where(wet, level, 0.0)
            deep[dr : dr + nby, dc : dc + nbx] += np.where(wet, deepest, 0.0)
            count[dr : dr + nby, dc : dc + nbx] += wet
    used = count > 0
    index = np.full(used.shape, -1, dtype=np.int64)
    index[used] = np.arange(used.sum())
    r, c = np.nonzero(used)
    xs = transform.c + np.minimum(c * stride, nx) * transform.a - origin[0]
    ys = transform.f + np.minimum(r * stride, ny) * transform.e - origin[1]
    points = np.column_stack([xs, ys, total[used] / count[used]])
    br, bc = np.nonzero(wet)
    nw, ne, sw, se = index[br, bc], index[br, bc + 1], index[br + 1, bc], index[br + 1, bc + 1]
    faces = np.concatenate([np.column_stack([sw, se, ne]), np.column_stack([sw, ne, nw])])
    return _polydata(points, faces, colours(layer, deep[used] / count[used]))
