// The flood animation: the times of a flood event's frames, and the water of each frame,
// fetched once and kept (the time slider and "Play" go back and forth over them).
import { fetchFrames, frameUrl, getBinary } from "./api.js";
import { Loads } from "./loads.js";

export class FloodFrames {
  /** @param {(buffer: ArrayBuffer) => Promise<object>} parse - turns GLB bytes into an object */
  constructor(parse) {
    this.parse = parse;
    this._times = new Loads(); // "run/event" -> number[]
    this._water = new Loads(_disposeObject); // "run/event/i" -> Object3D
  }

  /** The times of the frames, in seconds since the start of the event. */
  times(run, event) {
    return this._times.get(`${run}/${event}`, () =>
      fetchFrames(run, event).then((body) => (Array.isArray(body.times_s) ? body.times_s : [])),
    );
  }

  /** The water of frame i (an object, possibly empty when dry). */
  water(run, event, i) {
    return this._water.get(`${run}/${event}/${i}`, () => getBinary(frameUrl(run, event, i)).then((buf) => this.parse(buf)));
  }

  /** Forget (and free) the frames of every other run/event than those kept, e.g. ["run/event"]. */
  keepOnly(keys) {
    this._water.keepOnly(keys);
  }
}

function _disposeObject(root) {
  root.traverse((obj) => {
    obj.geometry?.dispose();
    if (obj.material) [].concat(obj.material).forEach((m) => m.dispose());
  });
}

/** The index in times closest to t (to show the baseline's frame at the scenario's time). */
export function nearestIndex(times, t) {
  let best = 0;
  for (let i = 1; i < times.length; i++) if (Math.abs(times[i] - t) < Math.abs(times[best] - t)) best = i;
  return best;
}
