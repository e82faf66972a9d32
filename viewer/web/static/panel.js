// The text side of the page: the legend of the layer shown, the scenario's description,
// cost and measures, and the key figures in words. This text is also the 3D view's text
// alternative, so it must say in words what the colours show.
import { t, pick, formatEuro, formatNumber } from "./i18n.js";

/** Build an element: el("p", {class: "x"}, "text", child, ...). Text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "style") Object.assign(node.style, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Split a description into paragraphs: blank lines separate them, single newlines are wraps. */
function _paragraphs(text) {
  return String(text || "")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter(Boolean);
}

function _stopLabel(stop, units) {
  return pick(stop.label) || `${formatNumber(stop.value, 1)} ${units || ""}`.trim();
}

/**
 * The legend of a layer from /api/layers: title, a plain-language explanation, the colours
 * with their meaning, and the units. Colour is never the only cue: every swatch has words.
 * @param {HTMLElement} container
 * @param {object|null} layer - a layer of /api/layers, or null when the server has none
 * @param {string} layerId - the page's layer id (for the plain map's own words)
 */
export function renderLegend(container, layer, layerId) {
  container.replaceChildren();
  if (!layer) {
    container.append(el("p", {}, layerId === "land" ? t("legend.land") : t("legend.none")));
    return;
  }
  container.append(el("p", { class: "legend-title" }, pick(layer.title)));
  const explain = pick(layer.explain);
  if (explain) container.append(el("p", { class: "legend-explain" }, explain));
  const stops = layer.stops || [];
  if (layer.kind === "continuous" && stops.length > 1) {
    // A colour ramp, with each stop's position proportional to its value.
    const lo = stops[0].value;
    const span = stops[stops.length - 1].value - lo || 1;
    const parts = stops.map((s) => `${s.color} ${(((s.value - lo) / span) * 100).toFixed(1)}%`);
    container.append(el("div", { class: "legend-ramp", "aria-hidden": "true",
      style: { background: `linear-gradient(to right, ${parts.join(", ")})` } }));
  }
  const list = el("ul", { class: `legend-stops legend-${layer.kind || "classes"}` });
  for (const stop of stops) {
    list.append(el("li", {},
      el("span", { class: "swatch", "aria-hidden": "true", style: { background: stop.color } }),
      el("span", { class: "stop-label" }, _stopLabel(stop, layer.units))));
  }
  if (stops.length) container.append(list);
  if (layer.units) container.append(el("p", { class: "legend-units" }, t("legend.units", { units: layer.units })));
}

/**
 * The scenario: its title, description, total cost and measures (from /api/runs/{run}).
 * @param {HTMLElement} container
 * @param {object} run
 */
export function renderScenario(container, run) {
  container.replaceChildren();
  if (!run) return;
  container.append(el("h3", { class: "scenario-title" }, run.title || run.name));
  for (const p of _paragraphs(run.description)) container.append(el("p", {}, p));
  const cost = run.cost_eur;
  container.append(el("p", { class: "scenario-cost" },
    cost ? t("scenario.cost", { cost: formatEuro(cost) }) : t("scenario.noCost")));
  const measures = run.measures || [];
  if (!measures.length) {
    if (run.baseline) container.append(el("p", {}, t("scenario.noMeasures")));
    return;
  }
  container.append(el("h4", {}, t("scenario.measures")));
  const list = el("ul", { class: "measures" });
  for (const m of measures) {
    const facts = [pick(m.type_label) || m.type];
    if (m.area_m2 != null) facts.push(t("measure.area", { area: formatNumber(m.area_m2) }));
    if (m.cost_eur != null) facts.push(formatEuro(m.cost_eur));
    list.append(el("li", {}, el("strong", {}, m.label || pick(m.type_label) || m.type), ` — ${facts.join(", ")}`));
  }
  container.append(list);
}

const JUDGEMENT_ICON = { better: "▲", worse: "▼", same: "=" };

function _judgement(j) {
  const kind = ["better", "worse", "same"].includes(j) ? j : "same";
  // The word is shown (not only a colour or an arrow), so it reads without colour vision.
  return el("span", { class: `judgement judgement-${kind}` },
    el("span", { "aria-hidden": "true" }, JUDGEMENT_ICON[kind]), " ", t(`judgement.${kind}`));
}

function _value(v, digits = 1) {
  return v == null || Number.isNaN(v) ? "–" : formatNumber(v, digits);
}

// The figures shown in words for the baseline, in this order; the others are in the table.
const MAIN_KEYS = ["heat.people_strong_stress", "heat.uhi_night_mean_k", "flood.people_exposed",
  "flood.damage_eur", "flood.buildings_over_0.1m", "land.canopy_share"];

/** A figure's value with its units when they are a short symbol the text lacks (°C, %, km). */
function _valueText(ind) {
  const text = ind.text ?? _value(ind.value);
  const units = ind.units || "";
  return units && units.length <= 4 && !text.includes(units) ? `${text} ${units}` : text;
}

/** The baseline's main figures: the known main keys, else the first few. */
function _mainIndicators(indicators) {
  const main = indicators.filter((i) => MAIN_KEYS.includes(i.key))
    .sort((a, b) => MAIN_KEYS.indexOf(a.key) - MAIN_KEYS.indexOf(b.key));
  return main.length ? main : indicators.slice(0, 8);
}

/** A table of every figure, folded away: planners can open it, residents read the sentences. */
function _details(indicators, { isBaseline }) {
  const head = [t("indicators.col.what")];
  if (!isBaseline) head.push(t("indicators.col.before"));
  head.push(isBaseline ? t("indicators.col.before") : t("indicators.col.after"));
  if (!isBaseline) head.push(t("indicators.col.change"));
  const rows = indicators.map((ind) => {
    const units = ind.units ? ` ${ind.units}` : "";
    const cells = [pick(ind.label) || ind.key]; // the server's label names the event
    if (!isBaseline) cells.push(_value(ind.baseline_value) + units);
    cells.push(_value(ind.value) + units);
    if (!isBaseline) cells.push(ind.delta == null ? "–" : (ind.delta > 0 ? "+" : "") + _value(ind.delta) + units);
    return el("tr", {}, cells.map((c, i) => el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, c)));
  });
  return el("details", { class: "all-figures" },
    el("summary", {}, t("indicators.details")),
    el("div", { class: "table-wrap" },
      el("table", {}, el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))));
}

/**
 * The key figures in words, from /api/runs/{run}/compare (already in the page's language).
 * @param {HTMLElement} container
 * @param {object} compare - {run, baseline, lines, indicators}
 * @param {{isBaseline: boolean, baselineTitle: string}} context
 */
export function renderIndicators(container, compare, { isBaseline, baselineTitle }) {
  container.replaceChildren();
  const indicators = compare?.indicators || [];
  const lines = compare?.lines || [];
  if (isBaseline) {
    container.append(el("p", { class: "indicators-intro" }, t("indicators.today")));
    const main = _mainIndicators(indicators);
    if (!main.length) container.append(el("p", {}, t("indicators.none")));
    else container.append(el("ul", { class: "indicator-lines" }, main.map((ind) =>
      el("li", {}, el("strong", { class: "figure" }, _valueText(ind)), " — ", pick(ind.label) || ind.key))));
  } else {
    container.append(el("p", { class: "indicators-intro" }, t("indicators.changes", { baseline: baselineTitle })));
    if (!lines.length) container.append(el("p", {}, t("indicators.noChange")));
    else container.append(el("ul", { class: "indicator-lines" },
      lines.map((line) => el("li", { class: `line-${line.judgement}` }, _judgement(line.judgement), " ",
        el("span", { class: "line-text" }, line.text)))));
  }
  if (indicators.length) container.append(_details(indicators, { isBaseline }));
}

/** A readable error in a panel (the live region announces it too). */
export function renderError(container, message) {
  container.replaceChildren(el("p", { class: "error-text" }, message));
}
