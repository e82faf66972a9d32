"""Layers, 3D scenes (GLB), flood frames, map overlays (PNG) and the steps of a heat event's day (a PNG overlay
each), built once by viewer.scene and viewer.steps and cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse

from viewer.layers import FRAMES, LAYERS, Layer, legend, overlay_png
from viewer.scene import frame_times, run_scene, water_scene, write_glb
from viewer.steps import read_steps, step_map, stepped_layers

from .. import schemas
from ..catalogue import NAME
from ..errors import NotFoundError
from ..state import AppState, remember, state
from .runs import RunName, family

router = APIRouter(prefix="/api", tags=["scenes"], responses=schemas.errors(400, 404, 422))
EventName = Annotated[str, Path(pattern=NAME, description="event name")]
MAX_STEPS = 10_000  # a bound for step numbers in paths (a day has 24 to 96 steps)
GLB = "model/gltf-binary"
CACHE = {"Cache-Control": "no-cache"}  # revalidated: a run can be replaced by a new one of the same name


@router.get("/layers", response_model=schemas.LayerList, summary="The layers a page can show, with legends")
def list_layers() -> schemas.LayerList:
    layers = []
    for layer in LAYERS.values():
        en, fr = legend(layer, "en"), legend(layer, "fr")
        stops = [
            schemas.Stop(value=a["value"], color=a["color"], label=schemas.Words(en=a["label"], fr=b["label"]))
            for a, b in zip(en["stops"], fr["stops"], strict=True)
        ]
        buildings = [
            schemas.BuildingColour(key=a["key"], color=a["color"], label=schemas.Words(en=a["label"], fr=b["label"]))
            for a, b in zip(en["buildings"], fr["buildings"], strict=True)
        ]
        layers.append(
            schemas.Layer(
                id=layer.id, family=layer.family, units=layer.units, kind=layer.ramp.kind, delta_of=layer.delta_of,
                animated=layer.animated, timeline=layer.timeline, menu=layer.menu, clear_below=layer.ramp.clear_below,
                title=schemas.Words(en=en["title"], fr=fr["title"]),
                explain=schemas.Words(en=en["explain"], fr=fr["explain"]), stops=stops, buildings=buildings,
            )
        )  # fmt: skip
    return schemas.LayerList(layers=layers)


@router.get(
    "/runs/{run}/scene.glb",
    response_class=FileResponse,
    responses={200: {"content": {GLB: {}}, "description": "binary glTF: nodes terrain, buildings and water"}},
    summary="The 3D scene of a run for a layer",
)
def get_scene(
    run: RunName,
    app: Annotated[AppState, Depends(state)],
    layer: Annotated[str, Query(pattern=NAME, description="layer id (see /api/layers)")] = "land",
    event: Annotated[
        str | None, Query(pattern=NAME, description="event (default: the first of the layer's kind)")
    ] = None,
    baseline: Annotated[str | None, Query(pattern=NAME, description="baseline run of a Δ layer")] = None,
) -> FileResponse:
    path = scene_file(app, run, layer=layer, event=event, baseline=baseline)
    return FileResponse(path, media_type=GLB, headers=CACHE)


def scene_file(app: AppState, run: str, *, layer: str = "land", event: str | None = None, baseline: str | None = None):
    """The GLB of a run's scene for a layer, built once by :func:`viewer.scene.run_scene` and cached."""
    record = app.catalogue.run(run)
    spec = _layer(layer)
    if event is not None:
        app.catalogue.event(record, event)
    base = app.catalogue.run(baseline or app.settings.baseline) if spec.is_delta else None
    stamp = app.catalogue.stamp(run) + (f"|{app.catalogue.stamp(base.folder.name)}" if base else "")
    key = f"scene|{stamp}|{spec.id}|{event}"
    build = lambda p: write_glb(  # noqa: E731
        run_scene(record.folder, layer=spec.id, event=event, baseline=base and base.folder), p
    )
    return app.cache.get(key, ".glb", build)


@router.get("/runs/{run}/events/{event}/frames", response_model=schemas.Frames, summary="A flood's water frames")
def get_frames(run: RunName, event: EventName, app: Annotated[AppState, Depends(state)]) -> schemas.Frames:

    return schemas.Frames(event=event, times_s=_frame_times(app, run, event))


@router.get(
    "/runs/{run}/events/{event}/frames/{frame}.glb",
    response_class=FileResponse,
    responses={200: {"content": {GLB: {}}, "description": "binary glTF with the node water (none when dry)"}},
    summary="The water surface of one flood frame",
)
def get_frame(
    run: RunName,
    event: EventName,
    frame: Annotated[int, Path(ge=0, le=100_000, description="frame index (see .../frames)")],
    app: Annotated[AppState, Depends(state)],
) -> FileResponse:
    record = app.catalogue.run(run)
    count = len(_frame_times(app, run, event))
    if frame >= count:
        raise NotFoundError(f"{run}: {event}: frame must be below {count}, got {frame}")
    key = f"frame|{app.catalogue.stamp(run)}|{event}|{frame}"
    path = app.cache.get(key, ".glb", lambda p: write_glb(water_scene(record.folder, event=event, frame=frame), p))
    return FileResponse(path, media_type=GLB, headers=CACHE)


@router.get(
    "/runs/{run}/events/{event}/maps/{layer}.png",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}, "description": "RGBA map, north up, transparent where clear"}},
    summary="A map of an event as a coloured overlay",
)
def get_map(
    run: RunName, event: EventName, layer: Annotated[str, Path(pattern=NAME)], app: Annotated[AppState, Depends(state)]
) -> FileResponse:
    record = app.catalogue.run(run)
    spec = _layer(layer)
    e = app.catalogue.event(record, event)
    if spec.var is None or spec.is_delta or spec.animated or spec.family != family(e["kind"]):
        raise NotFoundError(f"{run}: {event}: layer must be a map of a {family(e['kind'])} event, got {layer!r}")
    key = f"map|{app.catalogue.stamp(run)}|{event}|{spec.id}"

    def build(path):
        values, _ = record.read_map(event, spec.var)
        path.write_bytes(overlay_png(spec, values))

    return FileResponse(app.cache.get(key, ".png", build), media_type="image/png", headers=CACHE)


@router.get(
    "/runs/{run}/events/{event}/steps",
    response_model=schemas.Steps,
    summary="The steps of a heat event's day, labelled with the legal local time",
)
def get_steps(
    run: RunName,
    event: EventName,
    app: Annotated[AppState, Depends(state)],
    layer: Annotated[
        str | None, Query(pattern=NAME, description="a layer with steps (default: the event's first)")
    ] = None,
) -> schemas.Steps:
    found = _steps(app, run, event, layer)
    steps = [schemas.Step(index=i, time=s.time, local_time=s.local_time, solar_hour=s.solar_hour)
             for i, s in enumerate(found.steps)]  # fmt: skip
    return schemas.Steps(event=event, layer=found.layer, time_zone=found.time_zone, peak=found.peak, steps=steps)


@router.get(
    "/runs/{run}/events/{event}/maps/{layer}/{step}.png",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}, "description": "RGBA map, north up, transparent where clear"}},
    summary="One step of a heat event's day as a coloured overlay",
)
def get_step_map(
    run: RunName,
    event: EventName,
    layer: Annotated[str, Path(pattern=NAME, description="a layer with steps (see .../steps)")],
    step: Annotated[int, Path(ge=0, le=MAX_STEPS, description="step index (see .../steps)")],
    app: Annotated[AppState, Depends(state)],
) -> FileResponse:
    record = app.catalogue.run(run)
    count = len(_steps(app, run, event, layer).steps)
    if step >= count:
        raise NotFoundError(f"{run}: {event}: step must be below {count}, got {step}")
    key = f"step|{app.catalogue.stamp(run)}|{event}|{layer}|{step}"

    def build(path):
        path.write_bytes(overlay_png(LAYERS[layer], step_map(record, event, layer, step)))

    return FileResponse(app.cache.get(key, ".png", build), media_type="image/png", headers=CACHE)


def _stepped(app: AppState, record, event: str, layer: str | None) -> Layer:
    """The layer that shows ``event`` step by step: ``layer``, or the event's first; 404 when there is none."""
    e = app.catalogue.event(record, event)
    found = stepped_layers(record, event)
    name = record.folder.name
    if not found:
        with_steps = [x["name"] for x in record.events if stepped_layers(record, x["name"])]
        raise NotFoundError(f"{name}: event must have steps over the day, one of {with_steps}, "
                            f"got {event!r} ({e['kind']})")  # fmt: skip
    if layer is None:
        return found[0]
    if layer not in [lay.id for lay in found]:
        raise NotFoundError(f"{name}: {event}: layer must be one with steps, one of {[lay.id for lay in found]}, "
                            f"got {layer!r}")  # fmt: skip
    return LAYERS[layer]


def _steps(app: AppState, run: str, event: str, layer: str | None):
    record = app.catalogue.run(run)
    lay = _stepped(app, record, event, layer)
    key = ("steps", app.catalogue.stamp(run), event, lay.id)
    return remember(app, key, lambda: read_steps(record, event, lay.id))


def _frame_times(app: AppState, run: str, event: str) -> list[float]:
    record = app.catalogue.run(run)
    _flood_event(app, record, event)
    key = ("frames", app.catalogue.stamp(run), event)
    return remember(app, key, lambda: [float(t) for t in frame_times(record.folder, event)])


def _layer(layer: str):
    if layer not in LAYERS:
        raise NotFoundError(f"layer: must be one of {sorted(LAYERS)}, got {layer!r}")
    return LAYERS[layer]


def _flood_event(app: AppState, record, event: str) -> None:
    """The event must have a layer shown frame by frame (the flood's water frames)."""
    e = app.catalogue.event(record, event)
    if not any(lay.timeline == FRAMES and lay.family == family(e["kind"]) for lay in LAYERS.values()):
        raise NotFoundError(f"{record.folder.name}: event must have frames (a flood), got {event!r} ({e['kind']})")
