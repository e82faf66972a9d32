// Fetch wrappers for the twin's HTTP API. Every failure becomes an ApiError carrying the
// HTTP status and the server's {"detail": ...} message, so the page can show it in words.

export class ApiError extends Error {
  /**
   * @param {string} url - what was asked
   * @param {number} status - the HTTP status, 0 when the server could not be reached
   * @param {string} detail - the server's explanation, or the browser's
   */
  constructor(url, status, detail) {
    super(`${url}: ${status ? `HTTP ${status}` : "network error"}${detail ? ` (${detail})` : ""}`);
    this.name = "ApiError";
    this.url = url;
    this.status = status;
    this.detail = detail;
  }
}

const enc = encodeURIComponent;

function _query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v != null && v !== "");
  return pairs.length ? "?" + pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&") : "";
}

/** One of FastAPI's validation errors: "body.text: String should have at most 1000 characters". */
function _oneDetail(d) {
  if (!d || typeof d !== "object") return String(d);
  const where = Array.isArray(d.loc) ? d.loc.join(".") : "";
  return where && d.msg ? `${where}: ${d.msg}` : d.msg ?? JSON.stringify(d);
}

/** Read the server's explanation of an error: FastAPI sends {"detail": "..."} (or a list for 422). */
async function _detail(response) {
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      if (typeof body.detail === "string") return body.detail;
      if (Array.isArray(body.detail)) return body.detail.map(_oneDetail).join("; ");
      return text.slice(0, 300);
    } catch {
      return text.slice(0, 300);
    }
  } catch {
    return "";
  }
}

/** GET a URL; resolve to the Response when 2xx, else throw ApiError. */
async function _get(url, signal) {
  let response;
  try {
    response = await fetch(url, { signal, headers: { Accept: "application/json, model/gltf-binary, */*" } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(url, 0, err.message);
  }
  if (!response.ok) throw new ApiError(url, response.status, await _detail(response));
  return response;
}

/**
 * Send a request with a JSON body (or none) and extra headers; resolve to the parsed JSON answer
 * (null when it has none, e.g. 204), else throw ApiError.
 */
export async function request(method, url, { body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(url, 0, err.message);
  }
  if (!response.ok) throw new ApiError(url, response.status, await _detail(response));
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch (err) {
    throw new ApiError(url, response.status, `not JSON: ${err.message}`);
  }
}

export async function getJSON(url, signal) {
  const response = await _get(url, signal);
  try {
    return await response.json();
  } catch (err) {
    throw new ApiError(url, response.status, `not JSON: ${err.message}`);
  }
}

/** GET binary data (a GLB) as an ArrayBuffer. */
export async function getBinary(url, signal) {
  const response = await _get(url, signal);
  return response.arrayBuffer();
}

/** GET a file (a PNG map) as a Blob. */
export async function getBlob(url, signal) {
  const response = await _get(url, signal);
  return response.blob();
}

// --- The endpoints (paths as in docs/viewer.md) ---

export const fetchRuns = (lang) => getJSON(`/api/runs${_query({ lang })}`);
export const fetchRun = (run, lang) => getJSON(`/api/runs/${enc(run)}${_query({ lang })}`);
export const fetchLayers = () => getJSON("/api/layers");
export const fetchWords = (lang) => getJSON(`/api/words${_query({ lang })}`);
export const fetchCompare = (run, baseline, lang) =>
  getJSON(`/api/runs/${enc(run)}/compare${_query({ baseline, lang })}`);
export const fetchFrames = (run, event) => getJSON(`/api/runs/${enc(run)}/events/${enc(event)}/frames`);
export const fetchSteps = (run, event, layer) =>
  getJSON(`/api/runs/${enc(run)}/events/${enc(event)}/steps${_query({ layer })}`);

export const sceneUrl = (run, layer, event, baseline) =>
  `/api/runs/${enc(run)}/scene.glb${_query({ layer, event, baseline })}`;
export const frameUrl = (run, event, i) => `/api/runs/${enc(run)}/events/${enc(event)}/frames/${i}.glb`;
export const stepMapUrl = (run, event, layer, i) =>
  `/api/runs/${enc(run)}/events/${enc(event)}/maps/${enc(layer)}/${i}.png`;
