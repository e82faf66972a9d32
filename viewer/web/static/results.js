// The consultation's live results: per scenario, the residents' average marks (a bar per
// criterion), their first choices and who ranks it first under their own weights, beside what the
// twin computes. Bars are plain divs
// with their value written next to them: readable by screen readers, without colour.
import { t, pick, formatNumber } from "./i18n.js";
import { el } from "./panel.js";

/** A criterion's label in the page's language: {id, en, fr} (the API) or {id, label: {en, fr}}. */
export const criterionLabel = (c) => pick(c.label ?? { en: c.en, fr: c.fr }) || c.id;

/** One bar: a label, a track filled to `fraction`, and the value in words. */
function _bar(label, fraction, words, kind = "") {
  const pct = Math.round(Math.min(1, Math.max(0, fraction || 0)) * 100);
  return el("div", { class: `bar-row ${kind}`.trim() },
    el("span", { class: "bar-label" }, label),
    el("span", { class: "bar", "aria-hidden": "true" }, el("span", { class: "bar-fill", style: { width: `${pct}%` } })),
    el("span", { class: "bar-value" }, words));
}

const _mark = (s) => (s?.mean == null ? t("consult.noMark")
  : t("consult.mark", { mean: formatNumber(s.mean, 1), n: formatNumber(s.n ?? 0) }));

/**
 * Render GET /results into a container.
 * @param {HTMLElement} container
 * @param {{participants, preferences, ratings, scenarios: [{scenario, criteria: {id: {mean, n}}, mean,
 *   first_choices, first_under_own_weights, borda, indicators}]}} results
 * @param {{consultation: object, runTitle: (run: string) => string}} ctx
 */
export function renderResults(container, results, { consultation, runTitle }) {
  const signature = JSON.stringify([document.documentElement.lang, results]);
  if (container.dataset.signature === signature) return; // unchanged: leave it (and the focus) alone
  container.dataset.signature = signature;
  const scenarios = results?.scenarios ?? [];
  const choices = results?.preferences ?? scenarios.reduce((n, s) => n + (s.first_choices ?? 0), 0);
  const weighed = scenarios.reduce((n, s) => n + (s.first_under_own_weights ?? 0), 0); // people who gave marks
  const blocks = [el("p", { class: "results-summary" }, t("consult.resultsSummary", {
    participants: formatNumber(results?.participants ?? 0), ratings: formatNumber(results?.ratings ?? 0),
    choices: formatNumber(choices) }))];
  for (const s of scenarios) {
    const rows = [_bar(t("consult.allCriteria"), (s.mean ?? 0) / 5,
      s.mean == null ? t("consult.noMark") : t("consult.markShort", { mean: formatNumber(s.mean, 1) }), "is-total")];
    for (const c of consultation.criteria) {
      const summary = s.criteria?.[c.id];
      rows.push(_bar(criterionLabel(c), (summary?.mean ?? 0) / 5, _mark(summary)));
    }
    rows.push(_bar(t("consult.firstChoices"), choices ? (s.first_choices ?? 0) / choices : 0,
      t("consult.firstChoicesValue", { n: formatNumber(s.first_choices ?? 0), of: formatNumber(choices) }), "is-choice"));
    rows.push(_bar(t("consult.firstByWeights"), weighed ? (s.first_under_own_weights ?? 0) / weighed : 0,
      t("consult.firstChoicesValue", { n: formatNumber(s.first_under_own_weights ?? 0), of: formatNumber(weighed) }),
      "is-choice"));
    const block = el("section", { class: "result", "data-scenario": s.scenario },
      el("h4", {}, runTitle(s.scenario)), el("div", { class: "bars" }, rows));
    const indicators = (s.indicators ?? []).filter((i) => i.text);
    if (indicators.length) {
      block.append(el("details", { class: "result-twin" }, el("summary", {}, t("consult.twinSays")),
        el("ul", {}, indicators.map((i) => el("li", {}, `${pick(i.label) || i.key}: `, el("strong", {}, i.text))))));
    }
    blocks.push(block);
  }
  // Keep the details the reader opened open, and the focus where it was, across the refreshes.
  const scenarioOf = (node) => node?.closest?.("[data-scenario]")?.dataset.scenario;
  const open = new Set([...container.querySelectorAll("details[open]")].map(scenarioOf));
  const focused = container.contains(document.activeElement) ? scenarioOf(document.activeElement) : null;
  container.replaceChildren(...blocks);
  for (const d of container.querySelectorAll("details")) {
    d.open = open.has(scenarioOf(d));
    if (scenarioOf(d) === focused) d.querySelector("summary").focus();
  }
  container.dataset.version = String(Number(container.dataset.version || 0) + 1);
}
