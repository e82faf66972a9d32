"""3D scenes of a run: the terrain, the buildings and the water, their PNG render and their GLB.

All meshes are in the local frame of ``docs/viewer.md``, in metres: ``x' = x - x0``, ``y' = y - y0``, ``z' = z``
(elevation above the datum), with ``origin = (x0, y0)`` the centre of the territory's grid; ``z`` is up. The
meshes are made by :mod:`viewer.meshes` and written by :mod:`viewer.glb`; pyvista is imported when needed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from twin.colours import hex_rgb, key_colours
from twin.engines import engine_for
from twin.errors import DataSourceError, MissingFileError, message
from twin.results import layer_name, load_run
from twin.words import LANGS, text

from .glb import write_glb_file
from .layers import FRAMES, LAND, LAYERS, STEPS, Layer, colours, get_layer, legend
from .meshes import GROUND, building_mesh, sample_footprints, terrain_mesh, water_mesh
from .steps import HAZARD_LOCK, read_steps, step_map

if TYPE_CHECKING:
    import geopandas as gpd
    import pyvista as pv
    from affine import Affine

__all__ = [
    "Scene",
    "building_mesh",
    "frame_times",
    "render_png",
    "render_run",
    "run_scene",
    "sample_footprints",
    "terrain_mesh",
    "water_mesh",
    "water_scene",
    "write_glb",
]
BACKGROUND = "#f4f4f1"
ELEVATION_DEG = 35.0  # the camera looks down at this angle, from the south


@dataclass(frozen=True)
class Scene:
    """The meshes of one view of a run.

    Attributes
    ----------
    meshes : dict of str to pyvista.PolyData
        ``"terrain"``, ``"buildings"`` and ``"water"``, only those present, in the local frame (m).
    origin : tuple of float
        ``(x0, y0)``: the grid's centre in the territory's CRS, m.
    layer : str
        The id of the layer shown (:data:`viewer.layers.LAYERS`).
    event : str or None
        The event shown, if any.
    """

    meshes: dict[str, pv.PolyData]
    origin: tuple[float, float]
    layer: str
    event: str | None


# ------------------------------------------------------------------ scenes of a run


def _family(kind: str) -> str:
    """The family of an event kind: the name of the engine that runs it."""
    return engine_for(kind).name


def _raster(path: Path) -> tuple[np.ndarray, Affine]:
    import rasterio

    if not path.is_file():
        raise MissingFileError(path, role="territory map of a run")
    with rasterio.open(path) as src:
        values = src.read(1, masked=True)
        transform = src.transform
    return (values.astype(np.float64).filled(np.nan) if values.dtype.kind == "f" else values.filled(0)), transform


def _ground(path: Path) -> np.ndarray:
    """RGBA of a run's land cover in the colours of its own table: the colour table the run wrote in the map
    (:mod:`twin.styles`, a colour per class name of any table, the shipped one's or a preset's), else the shipped
    table's colours by code (a run written before colour tables). Clear where the map has no class."""
    import rasterio

    land_cover, _ = _raster(path)
    with rasterio.open(path) as src:
        try:
            table = src.colormap(1)
        except ValueError:  # no colour table in the file
            table = None
    if not table:
        return colours(LAYERS[LAND], land_cover)
    lut = np.zeros((max(table) + 1, 4), dtype=np.uint8)
    for code, colour in table.items():
        if tuple(colour[:3]) != (0, 0, 0):  # GDAL pads the table with black for codes that are no class
            lut[code] = colour
    return lut[np.clip(land_cover, 0, len(lut) - 1).astype(np.int64)]


def _choose_event(record, lay: Layer, event: str | None) -> str | None:
    kinds = {e["name"]: e["kind"] for e in record.events}
    where = f"run {record.name!r} ({record.folder})"
    if event is not None and event not in kinds:
        raise DataSourceError(message(where, "event", f"one of {list(kinds)}", event))
    if lay.family == "land":
        return event
    fitting = [n for n, k in kinds.items() if _family(k) == lay.family]
    if event is None:
        if not fitting:
            raise DataSourceError(message(where, f"events for layer {lay.id!r}",
                                          f"to include a {lay.family} event", list(kinds)))  # fmt: skip
        return fitting[0]
    if _family(kinds[event]) != lay.family:
        raise DataSourceError(message(where, f"event for layer {lay.id!r}",
                                      f"a {lay.family} event, one of {fitting}", event))  # fmt: skip
    return event


def _hazard_path(record, event: str) -> Path:
    path = record.hazard_path(event)
    if not path.is_file():
        raise MissingFileError(path, role=f"frames of event {event!r} (hazard.nc)")
    return path


def _has_frames(lay: Layer, kind: str) -> bool:
    return lay.timeline == FRAMES and lay.family == _family(kind)


def animated_layer(record, event: str) -> Layer:
    """The layer that shows ``event`` frame by frame (the flood's water over time); a clear error if none does."""
    kinds = {e["name"]: e["kind"] for e in record.events}
    found = [lay for lay in LAYERS.values() if event in kinds and _has_frames(lay, kinds[event])]
    if not found:
        with_frames = [n for n, k in kinds.items() if any(_has_frames(lay, k) for lay in LAYERS.values())]
        where = f"run {record.name!r} ({record.folder})"
        raise DataSourceError(message(where, "event with frames", f"one of {with_frames}", event))
    return found[0]


def _frame(record, event: str, frame: int) -> np.ndarray:
    import xarray as xr

    times = _times(record, event)
    if not isinstance(frame, (int, np.integer)) or not 0 <= frame < len(times):
        raise DataSourceError(message(f"run {record.name!r}, event {event!r}", "frame",
                                      f"a whole number in [0, {len(times) - 1}]", frame))  # fmt: skip
    var = animated_layer(record, event).var
    with HAZARD_LOCK, xr.open_dataset(_hazard_path(record, event), decode_times=False) as ds:
        return ds[var].isel(time=int(frame)).values.astype(np.float64)


def _times(record, event: str) -> list[float]:
    import xarray as xr

    var = animated_layer(record, event).var
    with HAZARD_LOCK, xr.open_dataset(_hazard_path(record, event), decode_times=False) as ds:
        if var not in ds or "time" not in ds[var].dims:
            return []
        return [float(t) for t in ds[var]["time"].values]


def frame_times(run_folder: str | Path, event: str) -> list[float]:
    """Times of the flood frames of ``event``, in seconds since the start (empty if the run kept no frames)."""
    return _times(load_run(run_folder), event)


def _footprints(record, event: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    folder = record.event_folders.get(event, record.folder)
    return gpd.read_file(folder / "impacts.gpkg", layer=layer_name("buildings", event), engine="pyogrio")


def _building_colours(buildings, lay: Layer, with_event: bool) -> np.ndarray:
    """By use without an event; with an event, exposed or not (the ``exposed`` column its impacts wrote) in the
    colours of the layer's building ramp."""
    n = len(buildings)
    if not with_event:
        uses = buildings["use"].astype(str).tolist() if "use" in buildings else ["other"] * n
        return key_colours(LAYERS[LAND].buildings, uses)
    exposed = buildings["exposed"].to_numpy(dtype=bool) if "exposed" in buildings else np.zeros(n, bool)
    return key_colours(lay.buildings, np.where(exposed, "exposed", "other").tolist())


def _delta(record, base, lay: Layer, event: str) -> np.ndarray:
    where = f"run {record.name!r} ({record.folder})"
    if not any(e["name"] == event for e in base.events):
        names = [e["name"] for e in base.events]
        raise DataSourceError(message(f"baseline {base.name!r} ({base.folder})", "events",
                                      f"to include {event!r} to compare with {where}", names))  # fmt: skip
    a, _ = record.read_map(event, lay.var)
    b, _ = base.read_map(event, lay.var)
    if a.shape != b.shape:
        raise DataSourceError(message(where, f"map {lay.var!r} of {event!r}",
                                      f"on the baseline's grid {b.shape}", a.shape))  # fmt: skip
    return np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)


def run_scene(
    run_folder: str | Path,
    *,
    layer: str = "land",
    event: str | None = None,
    baseline: str | Path | None = None,
    frame: int | None = None,
    stride: int = 2,
) -> Scene:
    """The 3D scene of a run showing one layer.

    Parameters
    ----------
    run_folder : path
        A results folder written by ``twin run``.
    layer : str
        A layer id of :data:`viewer.layers.LAYERS`. ``land`` colours the ground by land cover and the buildings
        by use; a layer whose ramp is a surface (water depth) adds the water surface over a land-cover ground;
        the others colour the ground; Δ layers colour it by the scenario minus ``baseline``.
    event : str, optional
        The event shown; by default the run's first event of the layer's family (none for ``land``). With an
        event, buildings are coloured exposed or not by its impacts (hot: strong heat stress at the door;
        flooded: 10 cm of water or more at the door).
    baseline : path, optional
        The baseline run folder, required by Δ layers.
    frame : int, optional
        For a layer shown over time: the frame of ``hazard.nc`` to show (the flood's water over time, required),
        or the step (the hours of a heat event; by default the step of :attr:`viewer.steps.Steps.peak`, the
        day's hottest hour for the felt temperature).
    stride : int
        Decimation: the terrain keeps one cell centre in ``stride`` along each axis and the water is drawn in
        blocks of ``stride`` x ``stride`` cells (see :func:`viewer.meshes.water_mesh`). The default keeps the
        GLB of the demo town under 6 MB.

    Raises
    ------
    twin.errors.DataSourceError
        Unknown layer or event, an event of the wrong family, a missing baseline or a frame or step out of range;
        the message names the run, the field, the value and the valid choices.
    """
    lay = get_layer(layer)
    record = load_run(run_folder)
    event = _choose_event(record, lay, event)
    where = f"run {record.name!r} ({record.folder})"
    if lay.is_delta and baseline is None:
        raise DataSourceError(message(where, f"baseline for layer {lay.id!r}", "another run folder", None))
    if frame is not None and not lay.animated:
        animated = [i for i, a in LAYERS.items() if a.animated]
        raise DataSourceError(message(where, f"frame for layer {lay.id!r}",
                                      f"None (frames and steps are for {animated})", frame))  # fmt: skip
    territory = record.folder / "territory"
    elevation, transform = _raster(territory / "elevation.tif")
    ny, nx = elevation.shape
    origin = (transform.c + nx * transform.a / 2, transform.f + ny * transform.e / 2)

    ground = _ground(territory / "land_cover.tif")
    ground[ground[..., 3] == 0, :3] = hex_rgb(GROUND)
    shown = None
    if lay.is_delta:
        shown = _delta(record, load_run(baseline), lay, event)
    elif lay.timeline == STEPS:
        step = read_steps(record, event, lay.id).peak if frame is None else frame
        shown = step_map(record, event, lay.id, step)
    elif lay.var is not None and not lay.ramp.surface:
        shown = record.read_map(event, lay.var)[0]
    if shown is not None:
        over = colours(lay, shown)
        ground = np.where(over[..., 3:] > 0, over, ground)
    meshes = {"terrain": terrain_mesh(elevation, transform, origin=origin, stride=stride, colours=ground)}

    if record.events:
        footprint_event = event if event is not None else record.events[0]["name"]
        buildings = _footprints(record, footprint_event)
        heights_raster, _ = _raster(territory / "building_height.tif")
        heights, floor = sample_footprints(buildings, np.nan_to_num(heights_raster), elevation, transform)
        mesh = building_mesh(buildings, heights, floor, origin=origin,
                             colours=_building_colours(buildings, lay, event is not None))  # fmt: skip
        if mesh is not None:
            meshes["buildings"] = mesh

    if lay.ramp.surface and not lay.is_delta:
        depth = _frame(record, event, frame) if lay.animated else record.read_map(event, lay.var)[0]
        water = water_mesh(depth, elevation, transform, origin=origin, layer=lay, stride=stride)
        if water is not None:
            meshes["water"] = water
    return Scene(meshes, origin, lay.id, event)


def water_scene(run_folder: str | Path, *, event: str, frame: int, stride: int = 1) -> Scene:
    """The water surface alone of frame ``frame`` of ``event`` (no ``"water"`` mesh when dry)."""
    record = load_run(run_folder)
    lay = animated_layer(record, event)
    depth = _frame(record, event, frame)
    elevation, transform = _raster(record.folder / "territory" / "elevation.tif")
    ny, nx = elevation.shape
    origin = (transform.c + nx * transform.a / 2, transform.f + ny * transform.e / 2)
    water = water_mesh(depth, elevation, transform, origin=origin, layer=lay, stride=stride)
    return Scene({} if water is None else {"water": water}, origin, lay.id, event)


# ------------------------------------------------------------------ outputs


def write_glb(scene: Scene, path: str | Path) -> Path:
    """Write ``scene`` as a binary glTF: one node per mesh (``terrain``, ``buildings``, ``water``), vertex colours.

    The scene's ``extras`` hold ``origin`` (m, in the territory's CRS), ``layer``, ``event`` and ``up: "z"``.
    See :mod:`viewer.glb` for the layout.
    """
    extras = {"origin": list(scene.origin), "layer": scene.layer, "event": scene.event, "up": "z"}
    return write_glb_file(scene.meshes, path, extras=extras)


def _offscreen() -> None:
    """Without a display, ask VTK for EGL straight away (it would try X first and print a warning)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def render_png(
    scene: Scene,
    path: str | Path,
    *,
    size: tuple[int, int] = (1600, 1000),
    title: str | None = None,
    lang: str | None = "en",
) -> Path:
    """Render ``scene`` off-screen to a PNG: seen from the south, 35° above the horizon, the whole territory in view.

    Parameters
    ----------
    scene : Scene
    path : path
        The PNG to write (its folder is created).
    size : tuple of int
        Width and height, pixels.
    title : str, optional
        A line of text written in the top-left corner.
    lang : {"en", "fr"} or None
        Language of the legend (the layer's colours, then the buildings'), under the scene; None for none.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    entries = None
    if lang is not None and scene.meshes:
        words = legend(LAYERS[scene.layer], lang)
        entries = [(s["label"], s["color"]) for s in words["stops"]]
        if "buildings" in scene.meshes:
            entries += [(b["label"], b["color"]) for b in words["buildings"]]
    image = _render(scene, size)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _compose(image, path, title=title, entries=entries)
    return path


def _render(scene: Scene, size: tuple[int, int]) -> np.ndarray:
    """The 3D view as an RGB image (rows, columns, 3), the territory a little above the centre."""
    _offscreen()
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=[int(size[0]), int(size[1])])
    try:
        plotter.set_background(BACKGROUND)
        for name, mesh in scene.meshes.items():
            actor = plotter.add_mesh(
                mesh, scalars="RGB", rgb=True, name=name, interpolation="flat" if name == "buildings" else "gouraud",
                ambient=0.3, diffuse=0.75, specular=0.35 if name == "water" else 0.0, specular_power=30.0,
            )  # fmt: skip
            if name == "water":  # centimetres above the ground: drawn in front of it where they touch
                actor.mapper.SetResolveCoincidentTopologyToPolygonOffset()
                actor.mapper.SetRelativeCoincidentTopologyPolygonOffsetParameters(-2.0, -8.0)
        if scene.meshes:
            bounds = np.array([m.bounds for m in scene.meshes.values()])
            lo, hi = bounds[:, 0::2].min(axis=0), bounds[:, 1::2].max(axis=0)
            focus = (lo + hi) / 2
            angle = np.radians(ELEVATION_DEG)
            view = np.array([0.0, -np.cos(angle), np.sin(angle)])
            plotter.camera_position = [tuple(focus + view * float(np.max(hi - lo))), tuple(focus), (0.0, 0.0, 1.0)]
            plotter.reset_camera()
            plotter.camera.zoom(1.5)
            camera = plotter.camera  # move the view down a little: the territory rises, the legend fits below
            up = np.array([0.0, np.sin(angle), np.cos(angle)])
            shift = 0.08 * 2 * camera.distance * np.tan(np.radians(camera.view_angle) / 2)
            camera.position = tuple(np.array(camera.position) - shift * up)
            camera.focal_point = tuple(np.array(camera.focal_point) - shift * up)
        return np.asarray(plotter.screenshot(return_img=True))[..., :3]
    finally:
        plotter.close()


def _compose(image: np.ndarray, path: Path, *, title: str | None, entries: list | None) -> None:
    """Write ``image`` as a PNG with the title above and the legend under the scene (matplotlib, Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    height, width = image.shape[:2]
    dpi = 100.0
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.imshow(image, interpolation="nearest")
    ax.set_axis_off()
    points = height / dpi * 72.0  # the picture's height in points: type scales with it
    if title:
        fig.text(0.015, 0.975, title, va="top", ha="left", fontsize=0.022 * points, color="#222222")
    if entries:
        handles = [Patch(facecolor=c, edgecolor="#555555", label=label) for label, c in entries]
        ncol = max(1, -(-len(handles) // 4))
        fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=0.0145 * points, frameon=True,
                   framealpha=0.9, edgecolor="#bbbbbb", bbox_to_anchor=(0.5, 0.01))  # fmt: skip
    fig.savefig(path, dpi=dpi, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 6})


def render_run(
    run_folder: str | Path,
    *,
    layer: str,
    out: str | Path,
    event: str | None = None,
    baseline: str | Path | None = None,
    size: tuple[int, int] = (1600, 1000),
    lang: str = "en",
) -> Path:
    """Render the scene of one layer of a run to the PNG ``out`` (for ``twin render``); returns its path.

    The picture is titled with the run's title, the layer's title in ``lang`` (``"en"`` or ``"fr"``), the event
    and, for a Δ layer, the baseline's title; the legend is in ``lang``. Errors are those of :func:`run_scene`.
    """
    if lang not in LANGS:
        raise DataSourceError(message("render", "language", f"one of {list(LANGS)}", lang))
    scene = run_scene(run_folder, layer=layer, event=event, baseline=baseline)
    title = f"{_title(run_folder)}: {LAYERS[scene.layer].title(lang)}"
    if scene.event:
        title += f" ({scene.event})"
    if baseline is not None:
        title += text("page.compare.against", lang, baseline=_title(baseline))
    return render_png(scene, out, size=size, title=title, lang=lang)


def _title(run_folder: str | Path) -> str:
    record = load_run(run_folder)
    return str(record.scenario.get("title") or record.name)
