// The consultation endpoints (docs/consultation.md). A participant is an anonymous token,
// given once by the server when they join, kept in this browser (localStorage, one per
// consultation) and sent as the header X-Participant-Token.
import { getJSON, request } from "./api.js";

const enc = encodeURIComponent;
const KEY = (slug) => `twin.consultation.${slug}.token`;
const memory = new Map(); // where localStorage is refused (private browsing, strict settings)

function _read(slug) {
  try {
    return localStorage.getItem(KEY(slug)) ?? memory.get(slug) ?? null;
  } catch {
    return memory.get(slug) ?? null;
  }
}

function _write(slug, token) {
  memory.set(slug, token);
  try {
    if (token) localStorage.setItem(KEY(slug), token);
    else localStorage.removeItem(KEY(slug));
  } catch {
    // kept in memory only: the person can still take part until the page is closed
  }
}

/** The consultations the server knows: [{slug, title, state, mode, scenarios}]. */
export const listConsultations = () => getJSON("/api/consultations").then((b) => b.consultations ?? []);

export class ConsultApi {
  constructor(slug) {
    this.slug = slug;
    this.base = `/api/consultations/${enc(slug)}`;
    this.token = _read(slug);
  }

  get joined() {
    return Boolean(this.token);
  }

  /** Forget this browser's token (the server no longer knows it, or the person leaves). */
  forget() {
    this.token = null;
    _write(this.slug, null);
  }

  _send(method, path, body) {
    const headers = this.token ? { "X-Participant-Token": this.token } : {};
    return request(method, this.base + path, { body, headers });
  }

  consultation() {
    return getJSON(this.base);
  }

  /** Join: {name?, email?} -> the token, kept for next time. */
  async join(identity = {}) {
    const body = await this._send("POST", "/participants", identity);
    this.token = body.token;
    _write(this.slug, this.token);
    return this.token;
  }

  /** Visible comments on a scenario, and the caller's own pending ones (mine: true). */
  comments(scenario) {
    return this._send("GET", `/comments?scenario=${enc(scenario)}`).then((b) => b?.comments ?? []);
  }

  /** {scenario, text, lang, point?, building?, camera?} -> the comment with its status. */
  postComment(comment) {
    return this._send("POST", "/comments", comment);
  }

  editComment(id, text) {
    return this._send("PATCH", `/comments/${enc(id)}`, { text });
  }

  withdrawComment(id) {
    return this._send("DELETE", `/comments/${enc(id)}`);
  }

  report(id, reason = "") {
    return this._send("POST", `/comments/${enc(id)}/reports`, { reason });
  }

  rate(scenario, criterion, value) {
    return this._send("PUT", "/ratings", { scenario, criterion, value });
  }

  /** The ranking, best first (the page sends the one chosen scenario). */
  prefer(ranking) {
    return this._send("PUT", "/preference", { ranking });
  }

  /** One's own weights of the criteria (criterion id -> 0-3), for one's own ranking in the results. */
  weigh(weights) {
    return this._send("PUT", "/weights", { weights });
  }

  results(lang) {
    return this._send("GET", `/results?lang=${enc(lang)}`);
  }

  get qrUrl() {
    return `${this.base}/qr.svg`;
  }
}
