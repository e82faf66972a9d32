// The page's wiring: what is chosen (scenario, layer, event, before/after, time), what is
// loaded for it, and the page state that people (live region) and tests (data-state,
// window.twin, performance mark "twin-first-frame") can follow. A layer shown over time has one
// time slider, over the flood's frames (3D water over the plain map) or over the hours of a heat
// event's day (a map laid over the ground, labelled with the legal local time).
import * as api from "./api.js";
import { View3D } from "./view3d.js";
import { FloodFrames, nearestIndex } from "./flood.js";
import { DaySteps, matchingStep } from "./steps.js";
import { t, pick, setLang, getLang, initialLang, formatDuration, formatNumber, eventLabel } from "./i18n.js";
import { el, renderLegend, renderScenario, renderIndicators } from "./panel.js";
import { ConsultationPanel } from "./consult.js";
import { configureStatus, track, onRender, markFailed, announce, announceAgain, announceView, sayLoading, fail, setStageNote }
  from "./status.js";

const $ = (id) => document.getElementById(id);

// The layers come from /api/layers (viewer/layers.py, built from the engines' outputs): the page offers
// those marked `menu`, in that order; a layer needs an event of its family (the engine), except the
// territory's own family, always there.
const LAND = "land"; // the family of the territory's layer (viewer.layers.LAND)
const COMPARE_MODES = ["off", "split", "swipe", "delta"]; // delta: the layer's Δ layer against the baseline
const PLAY_STEP_MS = 700; // time each flood frame or hour stays on screen while playing
const FRAMES = "frames"; // the timelines of /api/layers: 3D water frames,
const STEPS = "steps"; // and maps over the ground, step by step (viewer.layers)
const GLB_CACHE_SIZE = 12;

const params = new URLSearchParams(location.search);
const state = {
  runs: [],
  baseline: null,
  layers: new Map(), // id -> layer of /api/layers
  run: null,
  layer: params.get("layer"), // a menu layer's id once the layers are known (null: none known)
  eventByFamily: {}, // the event chosen for each family, kept when switching layers
  compare: COMPARE_MODES.includes(params.get("compare")) ? params.get("compare") : "off",
  swipe: 50, // % of the width showing the baseline
  times: [], // flood frame times of the scenario (s)
  baseTimes: [], // and of the baseline
  steps: [], // the steps of the hours shown: [{index, time, local_time}] of the scenario
  baseSteps: [], // and of the baseline
  stepChoice: null, // {key: "event/layer", index}: the hour chosen, kept across scenarios
  timeIndex: 0,
  playing: false,
};

let view = null; // View3D, null when WebGL is missing
let frames = null; // FloodFrames
let steps = null; // DaySteps
let consultation = null; // ConsultationPanel
const glbCache = new Map(); // url -> Promise<ArrayBuffer>
const shown = { main: null, base: null }; // the scene url on each side
const tokens = { main: 0, base: 0, text: 0, anim: 0, frame: 0, play: 0 }; // newest request wins

// --- Runs and events ---

const currentRun = () => state.runs.find((r) => r.name === state.run) ?? null;
const baselineRun = () => state.runs.find((r) => r.name === state.baseline) ?? null;
const eventsOf = (family) => (currentRun()?.events ?? []).filter((e) => e.family === family);

// --- Layers ---

const menuLayers = () => [...state.layers.values()].filter((layer) => layer.menu);
const layerOf = (id) => state.layers.get(id) ?? null;
const familyOfLayer = (id) => layerOf(id)?.family ?? LAND;
const isAnimated = (id) => Boolean(layerOf(id)?.animated);
/** How a layer is shown over time: "frames" (the flood's water), "steps" (hours over the ground) or null. */
const timelineOf = (id) => layerOf(id)?.timeline ?? (isAnimated(id) ? FRAMES : null);
const showingSteps = () => timelineOf(state.layer) === STEPS;
/** The positions of the time slider: the frames' or the steps'. */
const timeCount = () => (showingSteps() ? state.steps.length : state.times.length);
/** The Δ layer of a layer (the scenario minus the baseline): the one whose delta_of is its id. */
const deltaOf = (id) => [...state.layers.values()].find((layer) => layer.delta_of === id) ?? null;
/** The territory's own layer: the plain map under the flood's water frames. */
const plainLayer = () => menuLayers().find((layer) => layer.family === LAND) ?? null;
const comparing = () => state.compare === "split" || state.compare === "swipe"; // two pictures
const showingDelta = () => state.compare === "delta" && Boolean(deltaOf(state.layer));

function currentEvent() {
  const family = familyOfLayer(state.layer);
  return family === LAND ? null : state.eventByFamily[family] ?? null;
}

/** The radio group of the layers, one radio per menu layer of /api/layers, in its order. */
function buildLayerRadios() {
  const group = $("layer-options");
  const layers = menuLayers();
  if (!layers.some((layer) => layer.id === state.layer)) state.layer = layers[0]?.id ?? null;
  group.replaceChildren(...layers.map((layer) => {
    const radio = el("input", { type: "radio", name: "layer", id: `layer-${layer.id}`, value: layer.id,
      checked: layer.id === state.layer });
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      if (state.layer !== radio.value) stopPlaying();
      state.layer = radio.value;
      onChange();
    });
    return el("label", { class: "layer-option", for: radio.id }, radio,
      el("span", { class: "layer-title" }, pick(layer.title) || layer.id));
  }));
}

function applyRuns(body) {
  const runs = body.runs ?? [];
  state.baseline = body.baseline ?? runs.find((r) => r.baseline)?.name ?? null;
  // The baseline first: it is "today", the reference.
  state.runs = [...runs].sort((a, b) => (b.name === state.baseline) - (a.name === state.baseline));
  // One radio per scenario, like the layers: a long title wraps instead of being cut as in a drop-down menu.
  $("scenario").replaceChildren(...state.runs.map((r) => {
    const radio = el("input", { type: "radio", name: "scenario", id: `scenario-${r.name}`, value: r.name,
      checked: r.name === state.run });
    radio.addEventListener("change", () => radio.checked && selectRun(radio.value));
    return el("label", { class: "layer-option", for: radio.id }, radio,
      el("span", { class: "layer-title" }, r.title || r.name,
        r.name === state.baseline ? ` ${t("page.scenario.baselineSuffix")}` : ""));
  }));
}

/** Enable the layers this run has events for, and list the events of the layer's family. */
function updateChoices() {
  const layers = menuLayers();
  for (const layer of layers) {
    const radio = $(`layer-${layer.id}`);
    if (!radio) continue;
    radio.disabled = layer.family !== LAND && eventsOf(layer.family).length === 0;
    const label = radio.closest("label");
    label.querySelector(".layer-title").textContent = pick(layer.title) || layer.id;
    label.classList.toggle("is-disabled", radio.disabled);
    label.querySelector(".layer-note")?.remove();
    if (radio.disabled) label.append(el("span", { class: "layer-note" }, ` ${t("page.layer.unavailable")}`));
  }
  if (!$(`layer-${state.layer}`) || $(`layer-${state.layer}`).disabled) {
    state.layer = layers.find((layer) => !$(`layer-${layer.id}`)?.disabled)?.id ?? state.layer;
  }
  const radio = $(`layer-${state.layer}`);
  if (radio) radio.checked = true;

  // "Change" needs a Δ layer of the layer shown.
  const delta = $("compare-mode").querySelector('option[value="delta"]');
  delta.disabled = !deltaOf(state.layer);
  if (state.compare === "delta" && delta.disabled) state.compare = "off";
  $("compare-mode").value = state.compare;

  const family = familyOfLayer(state.layer);
  const events = family === LAND ? [] : eventsOf(family);
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
  const layer = pick(layerOf(state.layer)?.title) || state.layer || "";
  const parts = [t("page.view.ariaScene", { run: run?.title || state.run || "", layer })];
  const event = (run?.events ?? []).find((e) => e.name === currentEvent());
  if (event) parts.push(t("page.view.ariaEvent", { event: eventLabel(event) }));
  if (withTime && isAnimated(state.layer) && timeCount()) parts.push(timeLabel());
  const baseline = baselineRun()?.title || state.baseline;
  if (state.compare === "split") parts.push(t("page.view.ariaSplit", { baseline }));
  if (state.compare === "swipe") parts.push(t("page.view.ariaSwipe", { baseline }));
  if (showingDelta()) parts.push(t("page.view.ariaDelta", { baseline }));
  return parts.join(". ");
}

function updateViewText() {
  $("view").setAttribute("aria-label", t("page.view.aria", { what: describe() }));
  $("compare-labels").hidden = !comparing();
  $("compare-labels").classList.toggle("is-split", state.compare === "split");
  $("compare-labels").classList.toggle("is-swipe", state.compare === "swipe");
  $("label-before").textContent = t("page.compare.before", { title: baselineRun()?.title || state.baseline || "" });
  $("label-after").textContent = t("page.compare.after", { title: currentRun()?.title || state.run || "" });
  $("split-line").hidden = state.compare !== "split";
  $("divider").hidden = state.compare !== "swipe";
  $("swipe-field").hidden = state.compare !== "swipe";
  const layer = showingDelta() ? deltaOf(state.layer) : layerOf(state.layer);
  renderLegend($("legend-body"), layer, familyOfLayer(state.layer) === LAND);
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
    (err) => current() && fail("page.error.run", err, $("scenario-body"))));
  if (!baseline) return;
  track(api.fetchCompare(run, baseline, lang).then(
    (compare) => current() && renderIndicators($("indicators-body"), compare, {
      isBaseline: run === baseline,
      baselineTitle: baselineRun()?.title || baseline,
      onWhy: showChange,
    }),
    (err) => current() && fail("page.error.compare", err, $("indicators-body"))));
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
  const event = currentEvent();
  if (showingDelta()) {
    const delta = deltaOf(state.layer).id;
    return { main: state.run ? api.sceneUrl(state.run, delta, event, state.baseline) : null, base: null };
  }
  // The flood's water comes from the frames, over the plain map; the hours are laid over the layer's own scene.
  const layer = timelineOf(state.layer) === FRAMES ? plainLayer()?.id : state.layer;
  return {
    main: state.run ? api.sceneUrl(state.run, layer, event) : null,
    base: comparing() && state.baseline ? api.sceneUrl(state.baseline, layer, event) : null,
  };
}

let sameRunNote = false; // the stage note says that a scenario is compared with itself

function refreshScene() {
  if (!view) return;
  view.setMode(comparing() ? state.compare : "off");
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
  const sameRun = showingDelta() && state.run === state.baseline;
  if (sameRun) setStageNote(t("page.compare.sameRun"));
  else if (sameRunNote) setStageNote("");
  sameRunNote = sameRun;
  refreshAnimation();
}

function loadSide(side, url) {
  const token = ++tokens[side];
  setStageNote("");
  sayLoading("page.loading.scene");
  track(getGlb(url).then((buffer) => view.parse(buffer)).then(
    (object) => {
      if (token !== tokens[side]) return;
      view.setContent(side, object);
    },
    (err) => {
      if (token !== tokens[side]) return;
      view.clear(side);
      shown[side] = null; // try again next time
      setStageNote(fail("page.error.scene", err));
    }));
}

// --- Over time: a time slider over the flood's frames or the hours of the day, and Play ---

function refreshAnimation() {
  const timeline = view && currentEvent() ? timelineOf(state.layer) : null;
  $("time-field").hidden = !timeline;
  const token = ++tokens.anim;
  if (timeline !== FRAMES) {
    state.times = [];
    view?.setWater("main", null);
    view?.setWater("base", null);
  }
  if (timeline !== STEPS) {
    state.steps = [];
    view?.setOverlay("main", null);
    view?.setOverlay("base", null);
  }
  if (!timeline) {
    stopPlaying();
    return;
  }
  const slider = $("time");
  slider.dataset.i18nAria = timeline === STEPS ? "page.hour.name" : "page.time.name";
  slider.setAttribute("aria-label", t(slider.dataset.i18nAria));
  if (timeline === STEPS) loadSteps(token);
  else loadFrames(token);
}

function loadFrames(token) {
  const event = currentEvent();
  const run = state.run;
  const base = comparing() ? state.baseline : null;
  frames.keepOnly([`${run}/${event}`, base && `${base}/${event}`].filter(Boolean));
  sayLoading("page.loading.frames");
  track((async () => {
    try {
      const [times, baseTimes] = await Promise.all([frames.times(run, event), base ? frames.times(base, event) : []]);
      if (token !== tokens.anim) return;
      state.times = times;
      state.baseTimes = baseTimes;
      setTimeRange(Math.min(state.timeIndex, Math.max(0, times.length - 1)));
      await _showFrame(state.timeIndex);
    } catch (err) {
      if (token === tokens.anim) fail("page.error.frames", err);
    }
  })());
}

/** The slider over the timeCount() positions, at i. */
function setTimeRange(i) {
  $("time").max = String(Math.max(0, timeCount() - 1));
  state.timeIndex = i;
  $("time").value = String(i);
  updateTimeText();
}

/** Load the hours of the event and show the one chosen before on this event, else the day's hottest. */
function loadSteps(token) {
  const event = currentEvent();
  const layer = state.layer;
  const run = state.run;
  const base = comparing() ? state.baseline : null;
  steps.keepOnly([`${run}/${event}/${layer}`, base && `${base}/${event}/${layer}`].filter(Boolean));
  sayLoading("page.loading.steps");
  track((async () => {
    try {
      const [mine, theirs] = await Promise.all([
        steps.steps(run, event, layer),
        base ? steps.steps(base, event, layer) : null,
      ]);
      if (token !== tokens.anim) return;
      state.steps = mine.steps;
      state.baseSteps = theirs?.steps ?? [];
      const chosen = state.stepChoice?.key === `${event}/${layer}` ? state.stepChoice.index : mine.peak;
      setTimeRange(Math.min(Math.max(0, chosen), Math.max(0, state.steps.length - 1)));
      await _showStep(state.timeIndex);
    } catch (err) {
      if (token === tokens.anim) fail("page.error.steps", err);
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
  const base = comparing() && state.baseTimes.length ? state.baseline : null;
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

/** Load and lay the map of step i over the scenario's ground (and the same hour over the baseline's). */
async function _showStep(i) {
  const token = ++tokens.frame;
  const event = currentEvent();
  const layer = state.layer;
  if (!state.steps.length) {
    view.setOverlay("main", null);
    view.setOverlay("base", null);
    return;
  }
  const base = comparing() && state.baseSteps.length ? state.baseline : null;
  const baseIndex = base ? matchingStep(state.baseSteps, state.steps[i], i) : 0;
  const [map, baseMap] = await Promise.all([
    steps.map(state.run, event, layer, i),
    base ? steps.map(base, event, layer, baseIndex) : null,
  ]);
  if (token !== tokens.frame) return;
  view.setOverlay("main", map);
  view.setOverlay("base", baseMap);
  if (i + 1 < state.steps.length) steps.map(state.run, event, layer, i + 1).catch(() => {}); // next one, ahead
}

function showFrame(i) {
  const token = tokens.anim;
  const stepsNow = showingSteps();
  return track((stepsNow ? _showStep(i) : _showFrame(i)).catch((err) => {
    if (token === tokens.anim) fail(stepsNow ? "page.error.steps" : "page.error.frames", err);
  }));
}

function setTimeIndex(i) {
  state.timeIndex = i;
  $("time").value = String(i);
  if (showingSteps()) state.stepChoice = { key: `${currentEvent()}/${state.layer}`, index: i };
  updateTimeText();
  $("view").setAttribute("aria-label", t("page.view.aria", { what: describe() }));
}

/** The slider's position in words: "Time: 1 h 05" into a flood, "Time of day: 15:00" in a heat event's day. */
function timeValue() {
  if (showingSteps()) return state.steps[state.timeIndex]?.local_time ?? "";
  return formatDuration(state.times[state.timeIndex] ?? 0);
}

function timeLabel() {
  return t(showingSteps() ? "page.hour.label" : "page.time.label", { time: timeValue() });
}

function updateTimeText() {
  $("time-label").textContent = timeLabel();
  $("time").setAttribute("aria-valuetext", timeValue());
  $("play").textContent = state.playing ? t("page.pause") : t("page.play");
}

async function startPlaying() {
  if (!timeCount()) return;
  const token = ++tokens.play;
  state.playing = true;
  if (state.timeIndex >= timeCount() - 1) setTimeIndex(0); // from the start again
  updateTimeText();
  while (state.playing && token === tokens.play) {
    await showFrame(state.timeIndex);
    await new Promise((resolve) => setTimeout(resolve, PLAY_STEP_MS));
    if (!state.playing || token !== tokens.play) break;
    if (state.timeIndex >= timeCount() - 1) break;
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
  $("swipe").setAttribute("aria-valuetext", t("page.swipe.valuetext", { pct: formatNumber(Math.round(state.swipe)) }));
}

function setSwipe(pct) {
  state.swipe = Math.min(100, Math.max(0, pct));
  $("swipe").value = String(Math.round(state.swipe));
  $("divider").style.left = `${state.swipe}%`;
  $("compare-labels").style.setProperty("--swipe", `${state.swipe}%`); // each label stays on its side
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
  const radio = $(`scenario-${name}`);
  if (radio) radio.checked = true;
  updateChoices();
  updateViewText();
  refreshTexts();
  refreshScene();
  consultation?.runChanged();
}

/** Why did it move: show the Δ map (this scenario minus the baseline) of the event a headline names. */
function showChange(eventName) {
  const event = currentRun()?.events?.find((e) => e.name === eventName);
  const layer = event && menuLayers().find((l) => l.family === event.family && !l.animated && deltaOf(l.id));
  if (!layer) return;
  stopPlaying();
  state.layer = layer.id;
  state.eventByFamily[event.family] = event.name;
  state.compare = "delta";
  onChange();
  $("view").scrollIntoView({ block: "nearest" });
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
  try {
    await track(setLang(getLang() === "fr" ? "en" : "fr"));
  } catch (err) {
    fail("page.error.words", err);
    return;
  }
  updateLangButton();
  updateChoices(); // the layers' titles and notes, the events' labels
  updateViewText();
  announceAgain();
  // Run titles and event labels may come in the language asked; the sentences of /compare do.
  track(api.fetchRuns(getLang()).then((body) => {
    applyRuns(body);
    updateChoices();
    updateViewText();
    consultation?.langChanged(); // the scenarios' titles, in the new language
  }, (err) => fail("page.error.runs", err)));
  refreshTexts();
  consultation?.langChanged();
}

function wireControls() {
  $("event").addEventListener("change", (e) => {
    state.eventByFamily[familyOfLayer(state.layer)] = e.target.value;
    onChange();
  });
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
  const lang = initialLang();
  // The words, the runs and the layers are asked at once; the words are needed before anything is said.
  const words = setLang(lang);
  const loads = Promise.allSettled([api.fetchRuns(lang), api.fetchLayers()]);
  $("compare-mode").value = state.compare;
  wireControls();
  try {
    view = new View3D($("view"), { onRender });
    frames = new FloodFrames((buffer) => view.parse(buffer));
    steps = new DaySteps((blob) => view.texture(blob));
  } catch (err) {
    console.error(err);
    view = null;
    for (const id of ["rotate-left", "rotate-right", "zoom-in", "zoom-out", "reset-view"]) $(id).disabled = true;
  }
  configureStatus({
    view,
    describe: () => describe({ withTime: false }), // the time changes without a new message
    snapshot: () => ({ run: state.run, layer: state.layer, event: currentEvent(), compare: state.compare }),
  });
  await track((async () => {
    try {
      await words;
    } catch (err) {
      fail("page.error.words", err); // the HTML's English stays
    }
    updateLangButton();
    if (!view) setStageNote(t("page.view.noWebgl"));
    setSwipe(state.swipe);
    sayLoading("page.loading.runs");
    const [runs, layers] = await loads;
    if (layers.status === "fulfilled") {
      for (const layer of layers.value.layers ?? []) state.layers.set(layer.id, layer);
      buildLayerRadios();
      updateViewText();
    } else fail("page.error.layers", layers.reason, $("legend-body"));
    if (runs.status === "rejected") {
      setStageNote(fail("page.error.runs", runs.reason, $("indicators-body")));
      return;
    }
    applyRuns(runs.value);
    if (!state.runs.length) {
      setStageNote(t("page.error.noRuns"));
      announce(() => t("page.error.noRuns"), true);
      markFailed();
      return;
    }
    const asked = params.get("run");
    const first = state.runs.some((r) => r.name === asked) ? asked : state.baseline ?? state.runs[0].name;
    const event = (state.runs.find((r) => r.name === first)?.events ?? []).find((e) => e.name === params.get("event"));
    if (event) state.eventByFamily[event.family] = event.name;
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
