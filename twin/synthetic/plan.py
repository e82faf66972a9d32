"""Town plan of Valbourg-sur-Loire: districts, zones, main roads, landmarks and parks.

This module holds data, not computation: where each district lies, how its
fabric is built, where the main roads, the public buildings and the parks are.
Coordinates are local metres east (``u``) and north (``v``) of the lower-left
corner of the demo grid (see :mod:`twin.synthetic.terrain`). Anything that must
follow the river (quays, bridges) is placed relative to the river centre line by
:mod:`twin.synthetic.town`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Fictional name of the demo town.
TOWN_NAME = "Valbourg-sur-Loire (demo)"
RIVER_NAME = "La Loire"

#: Where the local coordinates start, Lambert-93 (EPSG:2154) m: the lower-left corner of the grid.
ORIGIN = (431000.0, 6711000.0)

# District cuts, m (local). North bank: west | centre | station | Varennes | hills;
# south bank: faubourg | industry | hills.
U_WEST = 655.0
U_CENTRE_EAST = 1175.0
U_STATION_EAST = 1295.0
V_CENTRE_NORTH = 958.0
V_STATION_NORTH = 1185.0
U_SOUTH = 1185.0
V_SOUTH = 330.0
#: u at which the river line gets a vertex, so that districts share exact edges.
RIVER_CUTS = (U_WEST, U_CENTRE_EAST, U_SOUTH, U_STATION_EAST)

#: u of the two bridges, m (local).
BRIDGE_MAIN_U = 913.0
BRIDGE_EAST_U = 1590.0


@dataclass(frozen=True)
class District:
    """A district: name, bank, rectangle(s) in local m, and base age shares (before a seeded jitter)."""

    name: str
    bank: str  # "north" or "south" of the river
    boxes: tuple[tuple[float, float, float, float], ...]
    share_over_75: float
    share_under_5: float


DISTRICTS = (
    District("Centre historique", "north", ((U_WEST, 0.0, U_CENTRE_EAST, V_CENTRE_NORTH),), 0.15, 0.040),
    District("Quartier de la Gare", "north", ((U_WEST, V_CENTRE_NORTH, U_STATION_EAST, V_STATION_NORTH),), 0.09, 0.060),
    District(
        "Les Varennes",
        "north",
        ((U_CENTRE_EAST, 0.0, 2000.0, V_CENTRE_NORTH), (U_STATION_EAST, V_CENTRE_NORTH, 2000.0, V_STATION_NORTH)),
        0.12,
        0.050,
    ),
    District("Bois-Saint-Martin", "north", ((0.0, 0.0, U_WEST, 1500.0),), 0.11, 0.050),
    District("Les Hauts de Valbourg", "north", ((U_WEST, V_STATION_NORTH, 2000.0, 1500.0),), 0.08, 0.065),
    District("Faubourg Saint-Jacques", "south", ((0.0, V_SOUTH, U_SOUTH, 1500.0),), 0.13, 0.045),
    District("Les Prés", "south", ((U_SOUTH, V_SOUTH, 2000.0, 1500.0),), 0.07, 0.050),
    District("Beauregard", "south", ((0.0, 0.0, 2000.0, V_SOUTH),), 0.07, 0.068),
)


@dataclass(frozen=True)
class Zone:
    """Built-up area of one typology laid out on one street grid.

    ``boxes`` are clipped to the bank and have the river, the main roads, the
    railway and the reserved lots cut out before the grid is laid.
    """

    key: str
    bank: str
    boxes: tuple[tuple[float, float, float, float], ...]
    typology: str  # perimeter, slab, house, shed
    origin: tuple[float, float]
    angle_deg: float
    spacing_x: tuple[float, float]
    spacing_y: tuple[float, float]
    street_width: float
    street_kind: str = "residential"


#: Street spacing along and across the contour, and street width, of the suburbs, m.
_HOUSE_GRID = ((130.0, 200.0), (62.0, 76.0), 8.0)

ZONES = (
    Zone(
        "centre",
        "north",
        ((U_WEST, 0, U_CENTRE_EAST, V_CENTRE_NORTH),),
        "perimeter",
        (BRIDGE_MAIN_U, 800.0),
        0.0,
        (42.0, 70.0),
        (38.0, 58.0),
        6.0,
    ),
    Zone(
        "station",
        "north",
        ((U_WEST, V_CENTRE_NORTH, U_STATION_EAST, V_STATION_NORTH),),
        "slab",
        (BRIDGE_MAIN_U, V_CENTRE_NORTH),
        1.4,
        (70.0, 100.0),
        (50.0, 75.0),
        9.0,
    ),
    Zone("west", "north", ((120, 860, U_WEST, 1135),), "house", (400.0, 945.0), 2.0, *_HOUSE_GRID),
    Zone(
        "hills", "north", ((U_WEST, V_STATION_NORTH, 1960, 1470),), "house", (BRIDGE_MAIN_U, 1262.0), 0.0, *_HOUSE_GRID
    ),
    Zone(
        "varennes",
        "north",
        (
            (U_CENTRE_EAST, 0, 1540, V_CENTRE_NORTH),
            (1540, 870, 1960, V_CENTRE_NORTH),
            (U_STATION_EAST, V_CENTRE_NORTH, 1960, V_STATION_NORTH),
        ),
        "house",
        (1430.0, V_CENTRE_NORTH),
        3.0,
        *_HOUSE_GRID,
    ),
    Zone(
        "faubourg",
        "south",
        ((720, V_SOUTH, U_CENTRE_EAST, 1500),),
        "perimeter",
        (895.0, 450.0),
        -5.0,
        (45.0, 75.0),
        (40.0, 60.0),
        7.0,
    ),
    Zone(
        "industry",
        "south",
        ((1215, V_SOUTH, 1780, 1500),),
        "shed",
        (BRIDGE_EAST_U, 450.0),
        0.0,
        (140.0, 200.0),
        (100.0, 140.0),
        10.0,
        "service",
    ),
    Zone("hamlet", "south", ((1800, V_SOUTH, 1960, 470),), "house", (1880.0, 400.0), 0.0, *_HOUSE_GRID),
    Zone("beauregard", "south", ((130, 40, 1870, 322),), "house", (880.0, 230.0), 1.0, *_HOUSE_GRID),
)


@dataclass(frozen=True)
class Road:
    """A named main road: polyline in local m (``None`` v = placed on the river by the town builder)."""

    name: str
    kind: str
    width: float
    points: tuple[tuple[float, float], ...]


#: Main roads away from the river. Bridges and quays are added by :mod:`twin.synthetic.town`.
MAIN_ROADS = (
    Road("Route du Plateau", "primary", 11.0, ((BRIDGE_MAIN_U, V_STATION_NORTH), (918.0, 1380.0), (925.0, 1500.0))),
    Road("Route de Beauregard", "primary", 11.0, ((880.0, V_SOUTH), (868.0, 230.0), (880.0, 110.0), (895.0, 0.0))),
    Road(
        "Route de Saumur",
        "secondary",
        9.0,
        (
            (0.0, 930.0),
            (350.0, 945.0),
            (U_WEST, V_CENTRE_NORTH),
            (U_STATION_EAST, V_CENTRE_NORTH),
            (1700.0, 975.0),
            (2000.0, 990.0),
        ),
    ),
    Road(
        "Route du Coteau",
        "secondary",
        8.0,
        ((0.0, 1215.0), (500.0, 1240.0), (BRIDGE_MAIN_U, 1262.0), (1580.0, 1262.0), (2000.0, 1250.0)),
    ),
    Road(
        "Chemin des Coteaux Sud",
        "secondary",
        8.0,
        ((0.0, 235.0), (600.0, 228.0), (868.0, 230.0), (1300.0, 240.0), (1612.0, 232.0), (2000.0, 220.0)),
    ),
    Road("Rue de l'Industrie", "secondary", 9.0, ((1595.0, V_SOUTH), (1612.0, 232.0), (1620.0, 0.0))),
    Road("Allée du Mail", "service", 4.0, ((1262.0, 818.0), (1262.0, 947.0))),
    Road("Accès hôpital", "service", 5.0, ((1700.0, 1262.0), (1700.0, 1300.0))),
)

#: Railway, west to east along the foot of the north hill.
RAILWAY = Road(
    "Ligne de la Vallée",
    "rail",
    8.0,
    ((0.0, 1020.0), (400.0, 1035.0), (800.0, 1050.0), (1300.0, 1062.0), (1700.0, 1060.0), (2000.0, 1052.0)),
)


@dataclass(frozen=True)
class Facility:
    """A public building or landmark on a reserved lot.

    ``centre`` is the lot centre (local m); the buildings are ``(du, dv, size_u,
    size_v, floors, height)`` relative to it, the first one is the main building
    (where the site point goes). ``yard`` is an optional paved rectangle
    ``(du, dv, size_u, size_v)`` on the lot.
    """

    name: str
    kind: str | None  # site kind, None for a landmark that is not a sensitive site
    use: str
    centre: tuple[float, float]
    lot: tuple[float, float]
    lot_cover: int
    buildings: tuple[tuple[float, float, float, float, int, float], ...]
    yard: tuple[float, float, float, float] | None = None


_SCHOOL = ((0.0, 16.0, 50.0, 14.0, 2, 8.0), (-18.0, -6.0, 14.0, 24.0, 2, 8.0))
_CARE_HOME = ((0.0, 8.0, 44.0, 14.0, 3, 10.5), (-15.0, -10.0, 14.0, 20.0, 3, 10.5))
_NURSERY = ((0.0, 6.0, 22.0, 12.0, 1, 4.5),)

# Land-cover codes (data/landcover.csv).
_PAVED, _GRASS, _GARDEN = 4, 6, 7

FACILITIES = (
    Facility(
        "Hôtel de ville", "other", "public", (990.0, 890.0), (46.0, 24.0), _PAVED, ((0.0, 0.0, 36.0, 16.0, 3, 13.5),)
    ),
    Facility(
        "Église Saint-Nicolas", None, "other", (1045.0, 845.0), (22.0, 50.0), _PAVED, ((0.0, 0.0, 15.0, 42.0, 1, 18.0),)
    ),
    Facility(
        "Gare de Valbourg", None, "other", (1000.0, 1018.0), (90.0, 40.0), _PAVED, ((0.0, 8.0, 60.0, 14.0, 2, 9.0),)
    ),
    Facility("École élémentaire Jean-Jaurès", "school", "public", (790.0, 805.0), (64.0, 56.0), _PAVED, _SCHOOL),
    Facility(
        "École de la Rive Sud",
        "school",
        "public",
        (620.0, 455.0),
        (70.0, 60.0),
        _GRASS,
        _SCHOOL,
        (10.0, -12.0, 40.0, 30.0),
    ),
    Facility(
        "Groupe scolaire des Hauts",
        "school",
        "public",
        (1150.0, 1350.0),
        (70.0, 60.0),
        _GRASS,
        _SCHOOL,
        (10.0, -12.0, 40.0, 30.0),
    ),
    Facility(
        "Collège Beauregard",
        "school",
        "public",
        (1250.0, 160.0),
        (110.0, 90.0),
        _GRASS,
        ((0.0, 25.0, 70.0, 16.0, 3, 11.0), (-30.0, -10.0, 16.0, 40.0, 2, 8.0), (25.0, -15.0, 30.0, 22.0, 1, 8.0)),
        (10.0, 0.0, 30.0, 25.0),
    ),
    Facility("Crèche Les Petits Mariniers", "nursery", "public", (1150.0, 1112.0), (40.0, 35.0), _GARDEN, _NURSERY),
    Facility("Crèche des Varennes", "nursery", "public", (1400.0, 790.0), (40.0, 35.0), _GARDEN, _NURSERY),
    Facility("Crèche Les Coccinelles", "nursery", "public", (500.0, 130.0), (40.0, 35.0), _GARDEN, _NURSERY),
    Facility("EHPAD Les Bords de Loire", "care_home", "public", (560.0, 800.0), (60.0, 50.0), _GARDEN, _CARE_HOME),
    Facility("EHPAD Les Tilleuls", "care_home", "public", (800.0, 1400.0), (60.0, 50.0), _GARDEN, _CARE_HOME),
    Facility("EHPAD Saint-Jacques", "care_home", "public", (1040.0, 420.0), (60.0, 50.0), _GARDEN, _CARE_HOME),
    Facility(
        "Centre hospitalier de Valbourg",
        "hospital",
        "public",
        (1700.0, 1365.0),
        (170.0, 126.0),
        _GRASS,
        ((0.0, 20.0, 100.0, 22.0, 5, 18.0), (-35.0, -18.0, 22.0, 50.0, 4, 14.5), (35.0, -18.0, 22.0, 50.0, 4, 14.5)),
        (0.0, -50.0, 150.0, 22.0),
    ),
    Facility(
        "Gymnase des Prés",
        None,
        "public",
        (420.0, 450.0),
        (120.0, 80.0),
        _GRASS,
        ((45.0, 0.0, 24.0, 40.0, 1, 9.0),),
        (-15.0, 0.0, 80.0, 55.0),
    ),
)


@dataclass(frozen=True)
class Park:
    """An open space: a polygon (local m) and its land cover; ``reserved`` keeps buildings out."""

    name: str
    box: tuple[float, float, float, float]
    cover: int
    reserved: bool


PARKS = (
    Park("Place de l'Hôtel-de-Ville", (955.0, 818.0, 1028.0, 875.0), _PAVED, True),
    Park("Jardin du Mail", (1180.0, 815.0, 1352.0, 950.0), _GRASS, True),
    Park("Parc des Bords de Loire", (250.0, 500.0, U_WEST, 858.0), _GRASS, False),
    Park("Jardins familiaux", (1600.0, 740.0, 1760.0, 820.0), _GARDEN, True),
)

#: The wooded hillside (north-west), a polygon in local m.
WOODS = (
    (0.0, 1105.0),
    (140.0, 1125.0),
    (300.0, 1150.0),
    (470.0, 1160.0),
    (600.0, 1190.0),
    (640.0, 1300.0),
    (630.0, 1500.0),
    (0.0, 1500.0),
)

STREET_NAMES_OLD = (
    "des Tanneurs",
    "du Puits",
    "de la Monnaie",
    "des Halles",
    "du Chapitre",
    "des Cordeliers",
    "de la Poissonnerie",
    "du Grenier-à-Sel",
    "des Orfèvres",
    "de l'Ancien-Port",
    "Saint-Martin",
    "des Carmes",
    "du Change",
    "de la Herse",
    "des Bateliers",
    "du Collège",
    "des Prêcheurs",
    "de la Juiverie",
    "du Pilori",
    "des Fossés",
    "de la Tour",
    "du Marché",
    "des Dames",
    "Notre-Dame",
    "du Pont",
    "des Moulins",
    "de l'Écu",
    "du Lion-d'Or",
    "des Trois-Rois",
    "du Four",
    "des Récollets",
    "de la Porte-Neuve",
)
STREET_NAMES_NEW = (
    "Victor-Hugo",
    "Jean-Moulin",
    "Jules-Ferry",
    "Pasteur",
    "des Lilas",
    "des Acacias",
    "des Tilleuls",
    "des Érables",
    "des Peupliers",
    "des Vignes",
    "des Coteaux",
    "du Clos",
    "des Rosiers",
    "des Chênes",
    "Marie-Curie",
    "Albert-Camus",
    "Jean-Jaurès",
    "Gambetta",
    "de la Paix",
    "des Bleuets",
    "des Coquelicots",
    "du Moulin-à-Vent",
    "des Vergers",
    "des Noyers",
    "des Saules",
    "des Aubépines",
    "Pierre-de-Ronsard",
    "Joachim-du-Bellay",
    "René-Descartes",
    "des Sorbiers",
    "des Charmes",
    "des Hirondelles",
    "des Mésanges",
    "de la Source",
    "du Belvédère",
    "des Genêts",
    "des Lavandières",
    "des Glycines",
    "des Mimosas",
    "du Lavoir",
    "Colette",
    "Simone-Veil",
    "Olympe-de-Gouges",
    "Louise-Michel",
    "George-Sand",
    "Rabelais",
    "François-Mitterrand",
    "Charles-de-Gaulle",
    "Anatole-France",
    "Émile-Zola",
    "Paul-Verlaine",
    "Alfred-de-Vigny",
    "Honoré-de-Balzac",
)
STREET_NAMES_INDUSTRY = (
    "de la Gravière",
    "des Artisans",
    "Gustave-Eiffel",
    "Denis-Papin",
    "du Commerce",
    "de la Tuilerie",
    "de la Briqueterie",
    "des Entrepreneurs",
    "Nicolas-Appert",
    "Louis-Blériot",
    "des Mariniers",
    "de l'Écluse",
)
STREET_PREFIXES = ("Rue", "Allée", "Impasse", "Chemin", "Square", "Passage")


def street_name(index: int, *, typology: str) -> str:
    """Deterministic street name number ``index`` for a fabric typology (perimeter, slab, house, shed)."""
    names = {"perimeter": STREET_NAMES_OLD, "shed": STREET_NAMES_INDUSTRY}.get(typology, STREET_NAMES_NEW)
    prefix = STREET_PREFIXES[(index // len(names)) % len(STREET_PREFIXES)]
    return f"{prefix} {names[index % len(names)]}"


def jitter(rng: np.random.Generator, value: float, spread: float, lo: float, hi: float) -> float:
    """``value`` plus a uniform jitter of ``±spread``, clipped to ``lo..hi`` and rounded to 3 decimals."""
    return float(np.round(np.clip(value + rng.uniform(-spread, spread), lo, hi), 3))
