// What the page fetches once and keeps, by key: the first ask starts the load, later asks share it; a failed
// load is forgotten so that a later ask tries again; keepOnly() frees what another run or event loaded.
export class Loads {
  /** @param {(value: object) => void} [free] - releases a loaded value (textures, geometries) when forgotten */
  constructor(free = () => {}) {
    this.free = free;
    this._loads = new Map(); // key -> Promise
  }

  /** The load of `key`, started by `load()` on the first ask. */
  get(key, load) {
    if (!this._loads.has(key)) {
      const p = load();
      p.catch(() => this._loads.delete(key)); // let a later ask try again
      this._loads.set(key, p);
    }
    return this._loads.get(key);
  }

  /** Forget (and free) every load whose key does not start with one of `prefixes` ("run/event" ...) and "/". */
  keepOnly(prefixes) {
    for (const [key, p] of this._loads) {
      if (prefixes.some((k) => key.startsWith(`${k}/`))) continue;
      this._loads.delete(key);
      p.then(this.free, () => {});
    }
  }
}
