// The hours of a heat event's day: the steps of a layer shown step by step (timeline "steps" in /api/layers),
// their labels (the legal local time) and the step to show first, and the map of each step as a texture laid
// over the ground, fetched once and kept (the time slider and "Play" go back and forth over them).
import { fetchSteps, getBlob, stepMapUrl } from "./api.js";
import { Loads } from "./loads.js";

export class DaySteps {
  /** @param {(blob: Blob) => Promise<object>} makeTexture - turns a PNG into a texture (View3D.texture) */
  constructor(makeTexture) {
    this.makeTexture = makeTexture;
    this._steps = new Loads(); // "run/event/layer" -> {steps, peak, time_zone}
    this._maps = new Loads((texture) => texture.dispose()); // "run/event/layer/i" -> Texture
  }

  /** The steps of a layer over an event: {layer, time_zone, peak, steps: [{index, time, local_time}]}. */
  steps(run, event, layer) {
    return this._steps.get(`${run}/${event}/${layer}`, () =>
      fetchSteps(run, event, layer).then((body) => ({
        ...body,
        steps: Array.isArray(body.steps) ? body.steps : [],
        peak: Number.isInteger(body.peak) ? body.peak : 0,
      })),
    );
  }

  /** The map of step i, as a texture to lay over the ground. */
  map(run, event, layer, i) {
    return this._maps.get(`${run}/${event}/${layer}/${i}`, () =>
      getBlob(stepMapUrl(run, event, layer, i)).then((blob) => this.makeTexture(blob)),
    );
  }

  /** Forget (and free) the maps of every other run/event/layer than those kept, e.g. ["run/event/layer"]. */
  keepOnly(keys) {
    this._maps.keepOnly(keys);
  }
}

/** The step of `steps` showing the same local time as `step` (the baseline's hour for the scenario's), else the
 * same index, within bounds. */
export function matchingStep(steps, step, index) {
  const same = steps.findIndex((s) => s.local_time === step?.local_time);
  return same >= 0 ? same : Math.min(index, Math.max(0, steps.length - 1));
}
