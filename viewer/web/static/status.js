// What the page is doing, for people and for tests: the live region (#message) says
// "loading…", "ready" or what went wrong; <body data-state> and window.twin.state are
// "loading" while anything loads, "ready" once a frame with the scene is drawn, or "error".
import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { renderError } from "./panel.js";

const $ = (id) => document.getElementById(id);

window.twin = { state: "loading", frameCount: 0 };
let pending = 0;
let failed = false;
let awaitingReady = false;
let loadingSaid = false; // "loading…" was announced: say "ready" when done (not for each flood frame)
let lastMessage = null; // {text: () => string, isError}, said again on a language change
let hooks = { view: null, describe: () => "", snapshot: () => ({}) };

/**
 * @param {{view: object|null, describe: () => string, snapshot: () => object}} options - the 3D view
 *   (null without WebGL), what it shows in words, and facts copied into window.twin on each frame
 */
export function configureStatus(options) {
  hooks = { ...hooks, ...options };
}

function setPageState(value) {
  document.body.dataset.state = value;
  window.twin.state = value;
}

/** Count a load (a promise that handles its own errors); the page is loading until all settle. */
export function track(promise) {
  if (pending === 0) failed = false; // a new batch of loads
  pending += 1;
  setPageState("loading");
  return promise.finally(() => {
    pending -= 1;
    if (pending > 0) return;
    if (loadingSaid && !failed) _sayReady();
    loadingSaid = false;
    if (failed) setPageState("error");
    else if (!hooks.view) setPageState("ready");
    else {
      awaitingReady = true; // "ready" once the next frame is drawn with the scene in it
      hooks.view.requestRender();
    }
  });
}

/** Called by the 3D view after each frame it draws. */
export function onRender({ frameCount, hasContent }) {
  Object.assign(window.twin, { frameCount, ...hooks.snapshot() });
  if (!awaitingReady || pending > 0 || !hasContent) return;
  awaitingReady = false;
  if (!performance.getEntriesByName("twin-first-frame").length) performance.mark("twin-first-frame");
  setPageState("ready");
}

/** Mark the current batch of loads as failed without an exception (e.g. no scenario at all). */
export function markFailed() {
  failed = true;
  if (pending === 0) setPageState("error");
}

/** Say something in the live region: a text, or a function giving it (re-run on language change). */
export function announce(message, isError = false) {
  lastMessage = { text: typeof message === "function" ? message : () => message, isError };
  const box = $("message");
  box.textContent = lastMessage.text();
  box.classList.toggle("is-error", isError);
}

/** Say the last message again, in the language now chosen. */
export function announceAgain() {
  if (lastMessage) announce(lastMessage.text, lastMessage.isError);
}

/** Say what the view shows now, or once the loads under way are done. */
export function announceView() {
  if (pending > 0) loadingSaid = true;
  else _sayReady();
}

function _sayReady() {
  announce(() => t(hooks.view ? "page.loaded.scene" : "page.loaded.text", { what: hooks.describe() }));
}

export function sayLoading(key) {
  announce(() => t(key));
  loadingSaid = true;
}

/** An error in words: what could not be done, and the server's explanation. */
export function errorText(key, err) {
  let detail = err?.message ?? String(err);
  if (err instanceof ApiError) {
    const status = err.status ? t("page.error.http", { status: err.status }) : t("page.error.network");
    detail = err.detail ? `${status}: ${err.detail}` : status;
  }
  return `${t(key)} ${t("page.error.detail", { detail })}`;
}

/** Record a failure: announced, and shown where it happened (a panel, or the 3D view's note). */
export function fail(key, err, where = null) {
  console.error(err);
  failed = true;
  const text = errorText(key, err);
  announce(() => errorText(key, err), true);
  if (where) renderError(where, text);
  return text;
}

/** A note over the 3D view (an error, or why there is nothing to see); "" hides it. */
export function setStageNote(text) {
  const note = $("stage-note");
  note.textContent = text || "";
  note.hidden = !text;
}
