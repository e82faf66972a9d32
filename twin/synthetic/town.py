"""The demo town: :func:`make_town` builds a :class:`Town` from a seed.

The town is fictional. Its terrain comes from :mod:`twin.synthetic.terrain`, its
plan from :mod:`twin.synthetic.plan` and its buildings from
:mod:`twin.synthetic.fabric`. Everything is drawn from one
``numpy.random.default_rng(seed)`` in a fixed order, and every coordinate is
rounded to 1 cm, so one seed always gives bit-identical layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import rasterize

from ..grid import Grid
from ..rasterize import rasterize_buildings
from . import fabric as fab
from . import plan
from .terrain import HEIGHT, RIVER_WIDTH, WIDTH, Valley

#: Mean number of people per dwelling (INSEE: 2.1-2.2 people per household in France in the 2020s).
PEOPLE_PER_DWELLING = 2.1
#: Gross floor area per apartment, m².
FLOOR_AREA_PER_DWELLING = 75.0
#: Cell size of the demo grid, m.
CELL_SIZE = 5.0
#: Smallest width at which a road is burnt into the land cover, m (keeps 5 m cells connected).
MIN_BURN_WIDTH = 5.5

_DESCRIPTION = (
    "Valbourg-sur-Loire is a fictional river town of about {population:,} inhabitants, generated for this demo. "
    "Its old centre and the Varennes and Saint-Jacques districts lie on the flat floodplain on both banks of the "
    "river, next to schools, care homes and an industrial zone; newer suburbs with gardens climb the hills to the "
    "north and south. Use it to try out heat-wave and flood scenarios before loading your own territory."
)


@dataclass(frozen=True, eq=False)
class Town:
    """A generated demo territory.

    Attributes
    ----------
    grid : twin.grid.Grid
        EPSG:2154 grid, 5 m cells, 400 x 300 cells (2000 m x 1500 m).
    elevation : numpy.ndarray
        Ground elevation, m (NGF-IGN69), float32, shape ``grid.shape``.
    land_cover : numpy.ndarray
        Land-cover class codes of ``data/landcover.csv``, uint8, shape ``grid.shape``.
    buildings : geopandas.GeoDataFrame
        Footprints with ``id``, ``height`` (m), ``floors``, ``use``, ``dwellings`` and ``district``.
    districts : geopandas.GeoDataFrame
        A partition of the grid extent with ``name``, ``population`` (people),
        ``share_over_75`` and ``share_under_5`` (fractions of the population).
    sites : geopandas.GeoDataFrame
        Sensitive sites (points) with ``name`` and ``kind``.
    roads : geopandas.GeoDataFrame
        Centre lines with ``name``, ``kind`` and ``width`` (m).
    river : geopandas.GeoDataFrame
        River centre line (west to east) with ``name`` and ``width`` (m).
    name : str
        Name of the town.
    description : str
        A few sentences for residents.
    """

    grid: Grid
    elevation: np.ndarray
    land_cover: np.ndarray
    buildings: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    river: gpd.GeoDataFrame
    name: str
    description: str


def _bank_polygons(river: shapely.LineString) -> dict[str, shapely.Polygon]:
    pts = shapely.get_coordinates(river).tolist()
    north = shapely.Polygon([(0.0, HEIGHT), *pts, (WIDTH, HEIGHT)])
    south = shapely.Polygon([(0.0, 0.0), *pts, (WIDTH, 0.0)])
    return {"north": north, "south": south}


def _union_of_boxes(boxes) -> shapely.Geometry:
    return shapely.union_all(shapely.box(*np.asarray(boxes, dtype=float).T))


def _main_roads(valley: Valley, river: shapely.LineString) -> list[tuple[str, str, float, shapely.LineString]]:
    """Main roads, bridges, quays and the railway as ``(name, kind, width m, line)``."""
    roads = [(r.name, r.kind, r.width, shapely.LineString(r.points)) for r in plan.MAIN_ROADS]
    vm = float(valley.river_v(np.array(plan.BRIDGE_MAIN_U)))
    ve = float(valley.river_v(np.array(plan.BRIDGE_EAST_U)))
    u, ue = plan.BRIDGE_MAIN_U, plan.BRIDGE_EAST_U
    roads += [
        ("Grande Rue", "primary", 11.0, shapely.LineString([(u, plan.V_STATION_NORTH), (u, vm + 30.0)])),
        ("Pont Saint-Nicolas", "primary", 11.0, shapely.LineString([(u, vm + 30.0), (u - 3.0, vm - 30.0)])),
        (
            "Avenue Saint-Jacques",
            "primary",
            11.0,
            shapely.LineString([(u - 3.0, vm - 30.0), (890.0, 400.0), (880.0, plan.V_SOUTH)]),
        ),
        (
            "Rue du Pont-Neuf",
            "secondary",
            9.0,
            shapely.LineString([(1580.0, 1262.0), (1585.0, 1000.0), (ue, ve + 30.0)]),
        ),
        ("Pont-Neuf", "secondary", 9.0, shapely.LineString([(ue, ve + 30.0), (ue + 2.0, ve - 30.0)])),
        ("Rue de l'Industrie", "secondary", 9.0, shapely.LineString([(ue + 2.0, ve - 30.0), (1595.0, plan.V_SOUTH)])),
        ("Quai de Loire", "secondary", 9.0, shapely.offset_curve(river, 45.0)),
        ("Quai des Mariniers", "secondary", 9.0, shapely.offset_curve(river, -45.0)),
    ]
    r = plan.RAILWAY
    roads.append((r.name, r.kind, r.width, shapely.LineString(r.points)))
    return roads


def _facility_parts(f: plan.Facility):
    cu, cv = f.centre
    lot = shapely.box(cu - f.lot[0] / 2, cv - f.lot[1] / 2, cu + f.lot[0] / 2, cv + f.lot[1] / 2)
    bld = [
        shapely.box(cu + du - su / 2, cv + dv - sv / 2, cu + du + su / 2, cv + dv + sv / 2)
        for du, dv, su, sv, _, _ in f.buildings
    ]
    yard = None
    if f.yard is not None:
        du, dv, su, sv = f.yard
        yard = shapely.box(cu + du - su / 2, cv + dv - sv / 2, cu + du + su / 2, cv + dv + sv / 2)
    return lot, bld, yard


def _trim(polygons: np.ndarray, cutters: np.ndarray) -> np.ndarray:
    """Cut road and river corridors out of building footprints (largest remaining part kept)."""
    tree = shapely.STRtree(cutters)
    hit_b, hit_c = tree.query(polygons, predicate="intersects")
    out = polygons.copy()
    for i in np.unique(hit_b):
        local = cutters[hit_c[hit_b == i]]
        cut = shapely.union_all(local)
        if shapely.area(shapely.intersection(out[i], cut)) > 1.0:
            out[i] = fab._largest_parts(np.array([shapely.difference(out[i], cut)], dtype=object))[0]
    return out


def _shift(geoms: np.ndarray) -> np.ndarray:
    """Local metres to Lambert-93, rounded to 1 cm."""
    offset = np.array(plan.ORIGIN)
    return shapely.transform(geoms, lambda xy: np.round(xy + offset, 2))


def make_town(*, seed: int = 2154) -> Town:
    """Generate the demo town.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``. The same seed gives bit-identical
        output; the published demo uses 2154.

    Returns
    -------
    Town
        Layers on a 400 x 300 grid of 5 m cells in EPSG:2154 (2000 m x 1500 m,
        lower-left corner at x = 431000 m, y = 6711000 m). Population per district is
        ``round(2.1 * dwellings)``: 2.1 people per dwelling is the INSEE mean
        household size (2.1-2.2 in the 2020s). An apartment building has one
        dwelling per 75 m² of gross floor area (footprint x floors); a detached
        house has one.
    """
    rng = np.random.default_rng(seed)  # every stage below draws from it in this order: one seed, one town
    valley = Valley.from_rng(rng)
    x0, y0 = plan.ORIGIN
    grid = Grid.from_bounds(crs="EPSG:2154", bounds=(x0, y0, x0 + WIDTH, y0 + HEIGHT), cell_size=CELL_SIZE)
    elevation = valley.elevation(grid.x - x0, grid.y - y0).astype(np.float32)

    river = valley.river_line(extra=plan.RIVER_CUTS)
    banks = _bank_polygons(river)
    roads = _main_roads(valley, river)
    facility_buildings, blocked = _reserved(river, roads)
    city, streets = _street_grids(rng, banks, blocked)
    all_roads = roads + streets
    b = _buildings(city, facility_buildings, all_roads, river)
    district_polys, district_of, district_rows = _districts(rng, banks, b.polys, b.dwellings)
    land_cover = _land_cover(
        grid,
        rng,
        valley=valley,
        river=river,
        banks=banks,
        city=city,
        facilities=facility_buildings,
        roads=all_roads,
        buildings=b.polys,
    )
    layers = _vector_layers(b, district_polys, district_of, district_rows, all_roads, river)
    population = int(layers["districts"]["population"].sum())
    return Town(
        grid=grid,
        elevation=elevation,
        land_cover=land_cover,
        **layers,
        name=plan.TOWN_NAME,
        description=_DESCRIPTION.format(population=round(population, -2)),
    )


def _reserved(river, roads):
    """Reserved lots (landmarks, public buildings, parks) and what keeps the street grids out: the facilities'
    buildings and yards, and the area the grids may not take."""
    road_lines = np.array([r[3] for r in roads], dtype=object)
    road_widths = np.array([r[2] for r in roads])
    lots, facility_buildings = [], []
    for f in plan.FACILITIES:
        lot, bld, yard = _facility_parts(f)
        lots.append(lot)
        facility_buildings.append((f, bld, yard))
    reserved = [p for p in plan.PARKS if p.reserved]
    blocked = shapely.union_all(
        [shapely.buffer(river, RIVER_WIDTH / 2 + 32.0)]
        + list(shapely.buffer(road_lines, road_widths / 2 + 1.5, cap_style="flat"))
        + [shapely.buffer(lot, 3.0) for lot in lots]
        + [shapely.box(*p.box) for p in reserved]
    )
    return facility_buildings, blocked


def _street_grids(rng: np.random.Generator, banks, blocked):
    """Street grids and their buildings, zone by zone: the fabric and the named streets."""
    city = fab.Fabric()
    streets: list[tuple[str, str, float, shapely.LineString]] = []
    counters: dict[str, int] = {}
    for z in plan.ZONES:
        area = shapely.difference(shapely.intersection(_union_of_boxes(z.boxes), banks[z.bank]), blocked)
        if z.key == "west":
            area = shapely.difference(area, shapely.Polygon(plan.WOODS))
        frame = fab.Frame(z.origin[0], z.origin[1], np.deg2rad(z.angle_deg))
        blocks, lines = fab.street_grid(
            area, frame=frame, rng=rng, spacing_x=z.spacing_x, spacing_y=z.spacing_y, street_width=z.street_width
        )
        city.extend(_zone_buildings(z, blocks, rng))
        for line in lines:
            i = counters.get(z.typology, 0)
            counters[z.typology] = i + 1
            streets.append((plan.street_name(i, typology=z.typology), z.street_kind, z.street_width, line))
    return city, streets


def _zone_buildings(z, blocks, rng: np.random.Generator):
    """The buildings of a zone's blocks, by its typology."""
    if z.typology == "perimeter":
        centre = z.key == "centre"
        return fab.perimeter_blocks(
            blocks,
            rng,
            depth=(9.0, 14.0) if centre else (8.0, 11.0),
            frontage=(7.0, 15.0) if centre else (6.0, 12.0),
            floors=(3, 6) if centre else (2, 4),
            floor_weights=(0.35, 0.35, 0.2, 0.1) if centre else (0.5, 0.4, 0.1),
            uses=None if centre else {"residential": 0.88, "commercial": 0.1, "other": 0.02},
            p_gap=0.05 if centre else 0.12,
            p_green_court=0.5 if centre else 0.9,
        )
    if z.typology == "slab":
        return fab.slab_blocks(blocks, rng, commercial_near=(1000.0, 1018.0))
    if z.typology == "house":
        return fab.house_blocks(blocks, rng)
    return fab.shed_blocks(blocks, rng)


@dataclass(frozen=True)
class _Buildings:
    """Every building of the town once cut clear of the roads: footprints and attributes, and the sites."""

    polys: np.ndarray
    floors: np.ndarray
    height: np.ndarray
    use: np.ndarray
    dwellings: np.ndarray
    sites: list  # (name, kind, index of the site's building among the kept ones)


def _buildings(city, facility_buildings, all_roads, river) -> _Buildings:
    """The fabric's buildings and the landmarks, cut clear of the roads and the river; dwellings by floor area."""
    polys = np.array(city.polygons, dtype=object)
    floors = list(city.floors)
    height = list(city.height)
    use = list(city.use)
    detached = list(city.detached)
    site_rows = []
    for f, bld, _ in facility_buildings:
        first = len(floors)
        for geom, spec in zip(bld, f.buildings, strict=True):
            polys = np.append(polys, np.array([geom], dtype=object))
            floors.append(spec[4])
            height.append(spec[5])
            use.append(f.use)
            detached.append(False)
        if f.kind is not None:
            site_rows.append((f.name, f.kind, first))

    lines = np.array([r[3] for r in all_roads], dtype=object)
    widths = np.array([r[2] for r in all_roads])
    cutters = np.concatenate(
        [
            shapely.buffer(lines, widths / 2, cap_style="flat"),
            np.array([shapely.buffer(river, RIVER_WIDTH / 2 + 2.0)], dtype=object),
        ]
    )
    n_city = len(city.polygons)
    polys[:n_city] = _trim(polys[:n_city], cutters)
    area = shapely.area(polys)
    keep = (area >= 25.0) & ~shapely.is_empty(polys)
    keep[n_city:] = True  # landmarks are placed clear of the roads
    index_map = np.cumsum(keep) - 1

    floors = np.asarray(floors, dtype=np.int64)[keep]
    height = np.round(np.asarray(height, dtype=float)[keep], 1)
    use = np.asarray(use, dtype=object)[keep]
    polys = polys[keep]
    area = area[keep]
    detached = np.asarray(detached, dtype=bool)[keep]
    flats = np.maximum(1.0, np.floor(area * floors / FLOOR_AREA_PER_DWELLING))
    dwellings = np.where(use == "residential", np.where(detached, 1.0, flats), 0.0).astype(np.int64)
    sites = [(name, kind, int(index_map[i])) for name, kind, i in site_rows]
    return _Buildings(polys, floors, height, use, dwellings, sites)


def _districts(rng: np.random.Generator, banks, polys: np.ndarray, dwellings: np.ndarray):
    """Districts: a partition of the extent; each building in the district of its centroid; residents from the
    dwellings, and the shares of over-75s and under-5s."""
    district_polys, district_rows = [], []
    for d in plan.DISTRICTS:
        district_polys.append(shapely.intersection(banks[d.bank], _union_of_boxes(d.boxes)))
    centroids = shapely.centroid(polys)
    cx, cy = shapely.get_coordinates(centroids).T
    district_of = np.full(len(polys), -1)
    for k, p in enumerate(district_polys):
        inside = shapely.contains_xy(p, cx, cy) & (district_of < 0)
        district_of[inside] = k
    if (district_of < 0).any():  # a centroid exactly on an edge: nearest district
        for i in np.flatnonzero(district_of < 0):
            district_of[i] = int(np.argmin(shapely.distance(np.array(district_polys), centroids[i])))
    for k, d in enumerate(plan.DISTRICTS):
        n_dw = int(dwellings[district_of == k].sum())
        district_rows.append(
            {
                "name": d.name,
                "population": round(PEOPLE_PER_DWELLING * n_dw),
                "share_over_75": plan.jitter(rng, d.share_over_75, 0.01, 0.06, 0.18),
                "share_under_5": plan.jitter(rng, d.share_under_5, 0.005, 0.03, 0.07),
            }
        )
    return district_polys, district_of, district_rows


def _vector_layers(b: _Buildings, district_polys, district_of, district_rows, all_roads, river) -> dict:
    """The town's vector layers in Lambert-93: buildings, districts, sites, roads and the river."""
    crs = "EPSG:2154"
    names = np.array([d.name for d in plan.DISTRICTS], dtype=object)
    buildings = gpd.GeoDataFrame(
        {
            "id": [f"B{i + 1:05d}" for i in range(len(b.polys))],
            "height": b.height,
            "floors": b.floors,
            "use": b.use.astype(str),
            "dwellings": b.dwellings,
            "district": names[district_of].astype(str),
        },
        geometry=_shift(b.polys),
        crs=crs,
    )
    districts = gpd.GeoDataFrame(pd.DataFrame(district_rows), geometry=_shift(np.array(district_polys)), crs=crs)
    site_geoms = np.array([shapely.centroid(b.polys[i]) for _, _, i in b.sites], dtype=object)
    sites = gpd.GeoDataFrame(
        {"name": [s[0] for s in b.sites], "kind": [s[1] for s in b.sites]}, geometry=_shift(site_geoms), crs=crs
    )
    road_parts = [
        (n, k, w, g)
        for n, k, w, line in all_roads
        for g in shapely.get_parts(shapely.intersection(line, shapely.box(0.0, 0.0, WIDTH, HEIGHT)))
        if g.geom_type == "LineString" and g.length > 1.0
    ]
    roads_gdf = gpd.GeoDataFrame(
        {
            "name": [r[0] for r in road_parts],
            "kind": [r[1] for r in road_parts],
            "width": np.array([r[2] for r in road_parts], dtype=float),
        },
        geometry=_shift(np.array([r[3] for r in road_parts], dtype=object)),
        crs=crs,
    )
    river_gdf = gpd.GeoDataFrame(
        {"name": [plan.RIVER_NAME], "width": [RIVER_WIDTH]}, geometry=_shift(np.array([river])), crs=crs
    )
    return {"buildings": buildings, "districts": districts, "sites": sites, "roads": roads_gdf, "river": river_gdf}


def _land_cover(grid: Grid, rng: np.random.Generator, *, valley, river, banks, city, facilities, roads, buildings):
    """Paint the land-cover classes, later layers over earlier ones; buildings last, on their own cells."""
    shapes: list[tuple[shapely.Geometry, int]] = []
    # Countryside: meadows, ploughed fields and pastures in parcels of 120-260 m.
    xs = fab.split(rng, 0.0, WIDTH, 120.0, 260.0)
    ys = fab.split(rng, 0.0, HEIGHT, 100.0, 200.0)
    codes = rng.choice([fab.MEADOW, fab.BARE_SOIL, fab.GRASS], size=(len(ys) - 1, len(xs) - 1), p=[0.55, 0.25, 0.2])
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            shapes.append((shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]), int(codes[j, i])))
    # Floodplain meadows along the river, woods on the north-west hill, trees on the banks.
    shapes.append((shapely.buffer(river, 180.0), fab.MEADOW))
    shapes.append((shapely.Polygon(plan.WOODS), fab.TREES))
    shapes.append((shapely.buffer(river, RIVER_WIDTH / 2 + 14.0), fab.TREES))
    quay = shapely.intersection(shapely.buffer(river, 52.0), shapely.box(plan.U_WEST, 0.0, plan.U_CENTRE_EAST, HEIGHT))
    shapes.append((quay, fab.PAVED))
    shapes.extend(city.cover)
    # Parks (the riverside park on the north bank only), with clumps of trees.
    for p in plan.PARKS:
        park = shapely.intersection(shapely.box(*p.box), banks["north"])
        shapes.append((park, p.cover))
        if p.cover == fab.GRASS:
            x0, y0, x1, y1 = p.box
            k = max(3, int((x1 - x0) * (y1 - y0) / 1500.0))
            clumps = shapely.buffer(
                shapely.points(rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)), rng.uniform(6.0, 14.0, k)
            )
            shapes.extend((c, fab.TREES) for c in shapely.intersection(clumps, park) if not c.is_empty)
    for f, _, yard in facilities:
        cu, cv = f.centre
        shapes.append(
            (shapely.box(cu - f.lot[0] / 2, cv - f.lot[1] / 2, cu + f.lot[0] / 2, cv + f.lot[1] / 2), f.lot_cover)
        )
        if yard is not None:
            shapes.append((yard, fab.PAVED))
    for _, kind, width, line in roads:
        code = fab.BARE_SOIL if kind == "rail" else fab.ROAD  # rail ballast is permeable gravel
        shapes.append((shapely.buffer(line, max(width, MIN_BURN_WIDTH) / 2, cap_style="flat"), code))
    shapes.append((shapely.buffer(river, RIVER_WIDTH / 2, cap_style="flat"), fab.WATER))  # water under the bridges

    geoms = _shift(np.array([s[0] for s in shapes], dtype=object))  # the same rounding as the vector layers
    values = [int(s[1]) for s in shapes]
    cover = rasterize(
        zip(geoms, values, strict=True), out_shape=grid.shape, transform=grid.transform, fill=fab.MEADOW, dtype="uint8"
    )
    # roofs last, on exactly the cells the territory will give the buildings (areas kept, see twin.io)
    footprints = gpd.GeoDataFrame(
        {"height": np.zeros(len(buildings))}, geometry=list(_shift(np.array(buildings, dtype=object))), crs=grid.crs
    )
    cover[rasterize_buildings(footprints, grid)[1] >= 0] = fab.BUILDING
    return cover
