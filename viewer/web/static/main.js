// The page's wiring: what is chosen (scenario, layer, event, before/after, time), what is
// loaded for it, and the page state that people (live region) and tests (data-state,
// window.twin, performance mark "twin-first-frame") can follow.
import * as api from "./api.js";
import { View3D } from "./view3d.js";
import { FloodFrames, nearestIndex } from "./flood.js";
import { t, setLang, getLang, initialLang, formatDuration, eventLabel } from "./i18n.js";
import { el, renderLegend, renderScenario, renderIndicators } from "./panel.js";
import { ConsultationPanel } from "./consult.js";
import { configureStatus, track, onRender, markFailed, announce, announceAgain, announceView, sayLoading, fail, setStageNote }
  from "./status.js";

const $ = (id) => document.getElementById(id);

// The layer toggles of the page and the family of events each one needs.
const LAYER_FAMILY = { land: "land", max_depth: "flood", flood_animation: "flood", utci: "heat", t_air_night: "heat" };
const KIND_FAMILY = { heatwave: "heat", design_storm: "flood", river_flood: "flood" };
const PLAY_STEP_MS = 700; // time each flood frame stays on screen while playing
const GLB_CACHE_SIZE = 12;

const params = new URLSearchParams(location.search);
const state = {
  runs: [],
  baseline: null,
  layers: new Map(), // id -> layer of /api/layers
  run: null,
  layer: LAYER_FAMILY[params.get("layer")] ? params.get("layer") : "land",
  eventByFamily: {}, // the event chosen for each family, kept when switching layers
  compare: ["off", "split", "swipe"].includes(params.get("compare")) ? params.get("compare") : "off",
  swipe: 50, // % of the width showing the baseline
  times: [], // flood frame times of the scenario (s)
  baseTimes: [], // and of the baseline
  timeIndex: 0,
  playing: false,
};

let view = null; // View3D, null when WebGL is missing
let frames = null; // FloodFrames
let consultation = null; // ConsultationPanel
const glbCache = new Map(); // url -> Promise<ArrayBuffer>
const shown = { main: null, base: null }; // the scene url on each side
const tokens = { main: 0, base: 0, text: 0, anim: 0, frame: 0, play: 0 }; // newest request wins

// --- Runs and events ---

const currentRun = () => state.runs.find((r) => r.name === state.run) ?? null;
const baselineRun = () => state.runs.find((r) => r.name === state.baseline) ?? null;
const familyOf = (event) => event.family || KIND_FAMILY[event.kind] || "other";
const eventsOf = (family) => (currentRun()?.events ?? []).filter((e) => familyOf(e) === family);

function currentEvent() {
  const family = LAYER_FAMILY[state.layer];
  return family === "land" ? null : state.eventByFamily[family] ?? null;
}

function applyRuns(body) {
  const runs = body.runs ?? [];
  state.baseline = body.baseline ?? runs.find((r) => r.baseline)?.name ?? null;
  // The baseline first: it is "today", the reference.
  state.runs = [...runs].sort((a, b) => (b.name === state.baseline) - (a.name === state.baseline));
  const select = $("scenario");
  select.replaceChildren(...state.runs.map((r) =>
    el("option", { value: r.name }, r.title || r.name, r.name === state.baseline ? ` ${t("scenario.baselineSuffix")}` : "")));
  if (state.run) select.value = state.run;
}

/** Enable the layers this run has events for, and list the events of the layer's family. */
function updateChoices() {
  for (const [id, family] of Object.entries(LAYER_FAMILY)) {
    const radio = $(`layer-${id}`);
    radio.disabled = family !== "land" && eventsOf(family).length === 0;
    const label = radio.closest("label");
    label.classList.toggle("is-disabled", radio.disabled);
    label.querySelector(".layer-note")?.remove();
    if (radio.disabled) label.append(el("span", { class: "layer-note" }, ` ${t("layer.unavailable")}`));
  }
  if ($(`layer-${state.layer}`).disabled) state.layer = "land";
  $(`layer-${state.layer}`).checked = true;

  const family = LAYER_FAMILY[state.layer];
  const events = family === "land" ? [] : eventsOf(family);
  if (!events.some((e) => e.name === state.eventByFamily[family])) state.eventByFamily[family] = events[0]?.name;
  const select = $("event");
  select.replaceChildren(...events.map((e) => el("option", { value: e.name }, eventLabel(e))));
  if (events.length) select.value = currentEvent();
  $("event-field").hidden = events.length < 2; // one event: nothing to choose
}

// --- What the 3D view shows, in words (the canvas's text alternative with the panels) ---

/** The scenario, layer, event (and time, unless withTime is false) and before/after mode in words. */
function describe({ withTime = true } = {}) {
  const run = currentRun();
  const parts = [t("view.ariaScene", { run: run?.title || state.run || "", layer: t(`layer.${state.layer}`) })];
  const event = (run?.events ?? []).find((e) => e.name === currentEvent());
  if (event) parts.push(t("view.ariaEvent", { event: eventLabel(event) }));
  if (withTime && state.layer === "flood_animation" && state.times.length) {
    parts.push(t("time.label", { time: formatDuration(state.times[state.timeIndex] ?? 0) }));
  }
  const baseline = baselineRun()?.title || state.baseline;
  if (state.compare === "split") parts.push(t("view.ariaSplit", { baseline }));
  if (state.compare === "swipe") parts.push(t("view.ariaSwipe", { baseline }));
  return parts.join(". ");
}

function updateViewText() {
  $("view").setAttribute("aria-label", t("view.aria", { what: describe() }));
  const comparing = state.compare !== "off";
  $("compare-labels").hidden = !comparing;
  $("compare-labels").classList.toggle("is-split", state.compare === "split");
  $("label-before").textContent = t("compare.before", { title: baselineRun()?.title || state.baseline || "" });
  $("label-after").textContent = t("compare.after", { title: currentRun()?.title || state.run || "" });
  $("split-line").hidden = state.compare !== "split";
  $("divider").hidden = state.compare !== "swipe";
  $("swipe-field").hidden = state.compare !== "swipe";
  const layer = state.layers.get(state.layer === "flood_animation" ? "max_depth" : state.layer) ?? null;
  renderLegend($("legend-body"), layer, state.layer);
  updateTimeText();
  updateSwipeText();
}

// --- Text panels: the scenario and the key figures ---

function refreshTexts() {
  const token = ++tokens.text;
  const { run, baseline } = state;
  const lang = getLang();
  const current = () => token === tokens.text;
  track(api.fetchRun(run, lang).then(
    (detail) => current() && renderScenario($("scenario-body"), detail),
    (err) => current() && fail("error.run", err, $("scenario-body"))));
  if (!baseline) return;
  track(api.fetchCompare(run, baseline, lang).then(
    (compare) => current() && renderIndicators($("indicators-body"), compare, {
      isBaseline: run === baseline,
      baselineTitle: baselineRun()?.title || baseline,
    }),
    (err) => current() && fail("error.compare", err, $("indicators-body"))));
}

// --- The 3D scenes ---

function getGlb(url) {
  if (!glbCache.has(url)) {
    const p = api.getBinary(url);
    p.catch(() => glbCache.delete(url));
    glbCache.set(url, p);
    if (glbCache.size > GLB_CACHE_SIZE) glbCache.delete(glbCache.keys().next().value);
  }
  return glbCache.get(url);
}

function wantedScenes() {
  const layer = state.layer === "flood_animation" ? "land" : state.layer; // water comes from the frames
  const event = currentEvent();
  return {
    main: state.run ? api.sceneUrl(state.run, layer, event) : null,
    base: state.compare !== "off" && state.baseline ? api.sceneUrl(state.baseline, layer, event) : null,
  };
}

function refreshScene() {
  if (!view) return;
  view.setMode(state.compare);
  const wanted = wantedScenes();
  for (const side of ["main", "base"]) {
    if (wanted[side] === shown[side]) continue;
    shown[side] = wanted[side];
    if (wanted[side]) loadSide(side, wanted[side]);
    else {
      tokens[side] += 1;
      view.clear(side);
    }
  }
  refreshAnimation();
}

function loadSide(side, url) {
  const token = ++tokens[side];
  setStageNote("");
  sayLoading("loading.scene");
  track(getGlb(url).then((buffer) => view.parse(buffer)).then(
    (object) => {
      if (token !== tokens[side]) return;
      view.setContent(side, object);
    },
    (err) => {
      if (token !== tokens[side]) return;
      view.clear(side);
      shown[side] = null; // try again next time
      setStageNote(fail("error.scene", err));
    }));
}

// --- Flood animation: a time slider over the frames, and Play ---

function refreshAnimation() {
  const on = Boolean(view) && state.layer === "flood_animation" && Boolean(currentEvent());
  $("time-field").hidden = !on;
  const token = ++tokens.anim;
  if (!on) {
    stopPlaying();
    state.times = [];
    view?.setWater("main", null);
    view?.setWater("base", null);
    return;
  }
  const event = currentEvent();
  const run = state.run;
  const base = state.compare !== "off" ? state.baseline : null;
  frames.keepOnly([`${run}/${event}`, base && `${base}/${event}`].filter(Boolean));
  sayLoading("loading.frames");
  track((async () => {
    try {
      const [times, baseTimes] = await Promise.all([frames.times(run, event), base ? frames.times(base, event) : []]);
      if (token !== tokens.anim) return;
      state.times = times;
      state.baseTimes = baseTimes;
      $("time").max = String(Math.max(0, times.length - 1));
      state.timeIndex = Math.min(state.timeIndex, Math.max(0, times.length - 1));
      $("time").value = String(state.timeIndex);
      updateTimeText();
      await _showFrame(state.timeIndex);
    } catch (err) {
      if (token === tokens.anim) fail("error.frames", err);
    }
  })());
}

/** Load and show frame i on the scenario side (and the nearest-in-time frame on the baseline). */
async function _showFrame(i) {
  const token = ++tokens.frame;
  const event = currentEvent();
  if (!state.times.length) {
    view.setWater("main", null);
    view.setWater("base", null);
    return;
  }
  const base = state.compare !== "off" && state.baseTimes.length ? state.baseline : null;
  const baseIndex = base ? nearestIndex(state.baseTimes, state.times[i]) : 0;
  const [water, baseWater] = await Promise.all([
    frames.water(state.run, event, i),
    base ? frames.water(base, event, baseIndex) : null,
  ]);
  if (token !== tokens.frame) return;
  view.setWater("main", water);
  view.setWater("base", baseWater);
  if (i + 1 < state.times.length) frames.water(state.run, event, i + 1).catch(() => {}); // next one, ahead
}

function showFrame(i) {
  const token = tokens.anim;
  return track(_showFrame(i).catch((err) => {
    if (token === tokens.anim) fail("error.frames", err);
  }));
}

function setTimeIndex(i) {
  state.timeIndex = i;
  $("time").value = String(i);
  updateTimeText();
  $("view").setAttribute("aria-label", t("view.aria", { what: describe() }));
}

function updateTimeText() {
  const time = formatDuration(state.times[state.timeIndex] ?? 0);
  $("time-label").textContent = t("time.label", { time });
  $("time").setAttribute("aria-valuetext", time);
  $("play").textContent = state.playing ? t("pause") : t("play");
}

async function startPlaying() {
  if (!state.times.length) return;
  const token = ++tokens.play;
  state.playing = true;
  if (state.timeIndex >= state.times.length - 1) setTimeIndex(0); // from the start again
  updateTimeText();
  while (state.playing && token === tokens.play) {
    await showFrame(state.timeIndex);
    await new Promise((resolve) => setTimeout(resolve, PLAY_STEP_MS));
    if (!state.playing || token !== tokens.play) break;
    if (state.timeIndex >= state.times.length - 1) break;
    setTimeIndex(state.timeIndex + 1);
  }
  if (token === tokens.play) stopPlaying();
}

function stopPlaying() {
  tokens.play += 1;
  state.playing = false;
  updateTimeText();
}

// --- Before / after swipe ---

function updateSwipeText() {
  $("swipe").setAttribute("aria-valuetext", t("swipe.valuetext", { pct: Math.round(state.swipe) }));
}

function setSwipe(pct) {
  state.swipe = Math.min(100, Math.max(0, pct));
  $("swipe").value = String(Math.round(state.swipe));
  $("divider").style.left = `${state.swipe}%`;
  view?.setSwipe(state.swipe / 100);
  updateSwipeText();
}

/** The divider can be dragged with a finger or a mouse; the range input is its keyboard twin. */
function wireDivider() {
  const divider = $("divider");
  const move = (e) => {
    const box = $("stage").getBoundingClientRect();
    setSwipe(((e.clientX - box.left) / box.width) * 100);
  };
  divider.addEventListener("pointerdown", (e) => {
    divider.setPointerCapture(e.pointerId);
    move(e);
    e.preventDefault();
  });
  divider.addEventListener("pointermove", (e) => divider.hasPointerCapture(e.pointerId) && move(e));
}

// --- Choices ---

function selectRun(name) {
  stopPlaying();
  state.run = name;
  $("scenario").value = name;
  updateChoices();
  updateViewText();
  refreshTexts();
  refreshScene();
  consultation?.runChanged();
}

function onChange() {
  updateChoices();
  updateViewText();
  refreshScene();
  announceView();
}

function updateLangButton() {
  const other = getLang() === "fr" ? "en" : "fr";
  $("lang").querySelector("span").lang = other; // the button names the other language in it
}

async function switchLanguage() {
  setLang(getLang() === "fr" ? "en" : "fr");
  updateLangButton();
  updateViewText();
  announceAgain();
  // Run titles and event labels may come in the language asked; the sentences of /compare do.
  track(api.fetchRuns(getLang()).then((body) => {
    applyRuns(body);
    updateChoices();
    updateViewText();
    consultation?.langChanged(); // the scenarios' titles, in the new language
  }, (err) => fail("error.runs", err)));
  refreshTexts();
  consultation?.langChanged();
}

function wireControls() {
  $("scenario").addEventListener("change", (e) => selectRun(e.target.value));
  $("event").addEventListener("change", (e) => {
    state.eventByFamily[LAYER_FAMILY[state.layer]] = e.target.value;
    onChange();
  });
  for (const radio of document.querySelectorAll('input[name="layer"]')) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      if (state.layer !== radio.value) stopPlaying();
      state.layer = radio.value;
      onChange();
    });
  }
  $("compare-mode").addEventListener("change", (e) => {
    state.compare = e.target.value;
    onChange();
  });
  $("swipe").addEventListener("input", (e) => setSwipe(Number(e.target.value)));
  $("time").addEventListener("input", (e) => {
    stopPlaying();
    setTimeIndex(Number(e.target.value));
    showFrame(state.timeIndex);
  });
  $("play").addEventListener("click", () => (state.playing ? stopPlaying() : startPlaying()));
  $("lang").addEventListener("click", switchLanguage);
  $("rotate-left").addEventListener("click", () => view?.rotate(Math.PI / 12));
  $("rotate-right").addEventListener("click", () => view?.rotate(-Math.PI / 12));
  $("zoom-in").addEventListener("click", () => view?.zoomIn());
  $("zoom-out").addEventListener("click", () => view?.zoomOut());
  $("reset-view").addEventListener("click", () => view?.resetView());
  wireDivider();
}

async function start() {
  setLang(initialLang());
  updateLangButton();
  $("compare-mode").value = state.compare;
  wireControls();
  try {
    view = new View3D($("view"), { onRender });
    frames = new FloodFrames((buffer) => view.parse(buffer));
  } catch (err) {
    console.error(err);
    view = null;
    setStageNote(t("view.noWebgl"));
    for (const id of ["rotate-left", "rotate-right", "zoom-in", "zoom-out", "reset-view"]) $(id).disabled = true;
  }
  configureStatus({
    view,
    describe: () => describe({ withTime: false }), // the time changes without a new message
    snapshot: () => ({ run: state.run, layer: state.layer, event: currentEvent(), compare: state.compare }),
  });
  setSwipe(state.swipe);
  sayLoading("loading.runs");
  await track((async () => {
    const [runs, layers] = await Promise.allSettled([api.fetchRuns(getLang()), api.fetchLayers()]);
    if (layers.status === "fulfilled") {
      for (const layer of layers.value.layers ?? []) state.layers.set(layer.id, layer);
    } else fail("error.layers", layers.reason, $("legend-body"));
    if (layers.status === "fulfilled") updateViewText();
    if (runs.status === "rejected") {
      setStageNote(fail("error.runs", runs.reason, $("indicators-body")));
      return;
    }
    applyRuns(runs.value);
    if (!state.runs.length) {
      setStageNote(t("error.noRuns"));
      announce(() => t("error.noRuns"), true);
      markFailed();
      return;
    }
    const asked = params.get("run");
    const event = params.get("event");
    const first = state.runs.some((r) => r.name === asked) ? asked : state.baseline ?? state.runs[0].name;
    const family = (state.runs.find((r) => r.name === first)?.events ?? []).find((e) => e.name === event);
    if (family) state.eventByFamily[familyOf(family)] = event;
    selectRun(first);
  })());
  startConsultation();
}

/** The consultation panel: opened by ?consultation=SLUG, or offered when one consultation is open. */
function startConsultation() {
  consultation = new ConsultationPanel({
    view,
    getRun: () => state.run,
    getBaseline: () => state.baseline,
    runTitle: (name) => state.runs.find((r) => r.name === name)?.title || name,
    selectRun: (name) => state.runs.some((r) => r.name === name) && selectRun(name),
  });
  consultation.start();
}

start();
