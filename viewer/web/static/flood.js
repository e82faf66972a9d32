// The flood animation: the times of a flood event's frames, and the water of each frame,
// fetched once and kept (the time slider and "Play" go back and forth over them).
import { fetchFrames, frameUrl, getBinary } from "./api.js";

export class FloodFrames {
  /** @param {(buffer: ArrayBuffer) => Promise<object>} parse - turns GLB bytes into an object */
  constructor(parse) {
    this.parse = parse;
    this._times = new Map(); // "run/event" -> Promise<number[]>
    this._water = new Map(); // "run/event/i" -> Promise<Object3D>
  }

  /** The times of the frames, in seconds since the start of the event. */
  times(run, event) {
    const key = `${run}/${event}`;
    if (!this._times.has(key)) {
      const p = fetchFrames(run, event).then((body) => (Array.isArray(body.times_s) ? body.times_s : []));
      p.catch(() => this._times.delete(key)); // let a later try ask again
      this._times.set(key, p);
    }
    return this._times.get(key);
  }

  /** The water of frame i (an object, possibly empty when dry). */
  water(run, event, i) {
    const key = `${run}/${event}/${i}`;
    if (!this._water.has(key)) {
      const p = getBinary(frameUrl(run, event, i)).then((buf) => this.parse(buf));
      p.catch(() => this._water.delete(key));
      this._water.set(key, p);
    }
    return this._water.get(key);
  }

  /** Forget (and free) the frames of every other run/event than those kept, e.g. ["run/event"]. */
  keepOnly(keys) {
    for (const [key, p] of this._water) {
      if (keys.some((k) => key.startsWith(`${k}/`))) continue;
      this._water.delete(key);
      p.then(_disposeObject, () => {});
    }
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
