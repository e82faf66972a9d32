// The text side of the page: the legend of the layer shown, the scenario's description,
// cost and measures, and the key figures in words. This text is also the 3D view's text
// alternative, so it must say in words what the colours show.
import { t, pick, formatEuro, formatEuroShort, formatNumber, unitWords } from "./i18n.js";

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
  return pick(stop.label) || `${formatNumber(stop.value, 1)} ${unitWords(units)}`.trim();
}

/** A list of colours with their words: a swatch (hidden from screen readers) and a label each. */
function _swatches(items, units, kind) {
  return el("ul", { class: `legend-stops legend-${kind}` }, items.map((item) =>
    el("li", {},
      el("span", { class: "swatch", "aria-hidden": "true", style: { background: item.color } }),
      el("span", { class: "stop-label" }, _stopLabel(item, units)))));
}

/**
 * The legend of a layer from /api/layers: title, a plain-language explanation, the colours
 * with their meaning (its stops), the colours of the buildings, and the units. Colour is never the
 * only cue: every swatch has words.
 * @param {HTMLElement} container
 * @param {object|null} layer - a layer of /api/layers, or null when the server has none
 * @param {boolean} plain - the layer chosen is the territory itself (for its own words without a legend)
 */
export function renderLegend(container, layer, plain = false) {
  container.replaceChildren();
  if (!layer) {
    container.append(el("p", {}, plain ? t("page.legend.land") : t("page.legend.none")));
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
  if (stops.length) container.append(_swatches(stops, layer.units, layer.kind || "classes"));
  if (layer.units) {
    container.append(el("p", { class: "legend-units" }, t("page.legend.units", { units: unitWords(layer.units) })));
  }
  const buildings = layer.buildings || [];
  if (buildings.length) {
    container.append(el("p", { class: "legend-subtitle" }, t("page.legend.buildings")),
      _swatches(buildings, "", "classes"));
  }
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
    cost ? t("page.scenario.cost", { cost: formatEuro(cost) }) : t("page.scenario.noCost")));
  const measures = run.measures || [];
  if (!measures.length) {
    if (run.baseline) container.append(el("p", {}, t("page.scenario.noMeasures")));
    return;
  }
  container.append(el("h4", {}, t("page.scenario.measures")));
  const list = el("ul", { class: "measures" });
  for (const m of measures) {
    const facts = [pick(m.type_label) || m.type];
    if (m.area_m2 != null) facts.push(t("page.measure.area", { area: formatNumber(m.area_m2) }));
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
    el("span", { "aria-hidden": "true" }, JUDGEMENT_ICON[kind]), " ", t(`page.judgement.${kind}`));
}

/**
 * An indicator's number as the report writes it, with Intl: a share (a fraction) as value × 100 in %,
 * euros compact, others with the indicator's decimals; sign: "+" before a rise (a change).
 */
function _number(ind, v, sign = false) {
  if (v == null || Number.isNaN(v)) return "–";
  const digits = ind.digits ?? 1;
  const signed = { signDisplay: sign ? "exceptZero" : "negative" }; // never "-0"
  if (ind.format === "money") return formatEuroShort(v, signed);
  if (ind.format === "share") return formatNumber(v * 100, digits, signed);
  return formatNumber(v, digits, signed);
}

/** A number of the table with its units (a share's units are %; money's are in the number). */
function _cell(ind, v, sign = false) {
  const text = _number(ind, v, sign);
  const units = ind.format === "money" ? "" : ind.units || "";
  return text === "–" || !units ? text : `${text} ${units}`;
}

/** A figure's value with its units when they are a short symbol the text lacks (°C, %, km). */
function _valueText(ind) {
  const text = ind.text ?? _number(ind, ind.value);
  const units = ind.units || "";
  return units && units.length <= 4 && !text.includes(units) ? `${text} ${units}` : text;
}

/** A table of every figure, folded away: planners can open it, residents read the sentences. */
function _details(indicators, { isBaseline }) {
  const head = [t("page.indicators.col.what")];
  if (!isBaseline) head.push(t("page.indicators.col.before"));
  head.push(isBaseline ? t("page.indicators.col.before") : t("page.indicators.col.after"));
  if (!isBaseline) head.push(t("page.indicators.col.change"));
  const rows = indicators.map((ind) => {
    const cells = [pick(ind.label) || ind.key]; // the server's label names the event
    if (!isBaseline) cells.push(_cell(ind, ind.baseline_value));
    cells.push(_cell(ind, ind.value));
    // A change below what the models can tell apart (the indicator's resolution) is not a number to read.
    if (!isBaseline) cells.push(ind.delta && !ind.measurable ? t("page.judgement.same") : _cell(ind, ind.delta, true));
    return el("tr", {}, cells.map((c, i) => el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, c)));
  });
  return el("details", { class: "all-figures" },
    el("summary", {}, t("page.indicators.details")),
    el("div", { class: "table-wrap" },
      el("table", {}, el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))));
}

/**
 * The key figures in words, from /api/runs/{run}/compare (already in the page's language).
 * @param {HTMLElement} container
 * @param {object} compare - {run, baseline, lines, indicators}
 * @param {{isBaseline: boolean, baselineTitle: string, onWhy: ?function(string)}} context - onWhy(event) shows
 *   that event's map of the change
 */
export function renderIndicators(container, compare, { isBaseline, baselineTitle, onWhy = null }) {
  container.replaceChildren();
  const indicators = compare?.indicators || [];
  const lines = compare?.lines || [];
  if (isBaseline) {
    container.append(el("p", { class: "indicators-intro" }, t("page.indicators.today")));
    // The key figures, as the server lists them (twin.impacts.records.MAIN_KEYS, in that order).
    if (!indicators.length) container.append(el("p", {}, t("page.indicators.none")));
    else container.append(el("ul", { class: "indicator-lines" }, indicators.map((ind) =>
      el("li", {}, el("strong", { class: "figure" }, _valueText(ind)), " — ", pick(ind.label) || ind.key))));
  } else {
    container.append(el("p", { class: "indicators-intro" }, t("page.indicators.changes", { baseline: baselineTitle })));
    if (!lines.length) container.append(el("p", {}, t("page.indicators.noChange")));
    else container.append(el("ul", { class: "indicator-lines" },
      lines.map((line) => el("li", { class: `line-${line.judgement}` }, _judgement(line.judgement), " ",
        el("span", { class: "line-text" }, line.text),
        // Why did it move: the event's map of the change, one click away.
        line.event && onWhy ? _whyButton(line.event, onWhy) : null))));
  }
  if (indicators.length) container.append(_details(indicators, { isBaseline }));
}

/** A button that shows the map of the change behind a headline (no inline handler: the page's CSP forbids them). */
function _whyButton(event, onWhy) {
  const button = el("button", { type: "button", class: "why", "data-event": event }, t("page.indicators.why"));
  button.addEventListener("click", () => onWhy(event));
  return button;
}

/** A readable error in a panel (the live region announces it too). */
export function renderError(container, message) {
  container.replaceChildren(el("p", { class: "error-text" }, message));
}
