// The consultation panel (?consultation=SLUG, or "Take part" when one consultation is open):
// the privacy notice and joining, rating each scenario on each criterion, weighing the criteria, choosing one, the
// live results, and the QR code for the big screen. Comments are in comments.js.
import { ConsultApi, listConsultations } from "./consult-api.js";
import { Comments } from "./comments.js";
import { renderResults, criterionLabel } from "./results.js";
import { t, pick, getLang, formatNumber } from "./i18n.js";
import { el } from "./panel.js";
import { $, say, sayAgain, isStaleToken, MyAnswers } from "./consult-ui.js";
import { errorWords, formatDate } from "./consult-i18n.js";

const RESULTS_MS = 3000;
const SAVE_DELAY_MS = 400; // arrow keys move through a radio group: save where they stop
const SCALE = [1, 2, 3, 4, 5];
const WEIGHTS = [0, 1, 2, 3]; // does not matter, a little, matters, a lot
const USUAL_WEIGHT = 2; // what a criterion weighs until one says otherwise: all the same

const paragraphs = (text) => String(text || "").split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

export class ConsultationPanel {
  /**
   * @param {{view: object|null, getRun: () => string, getBaseline: () => string,
   *   runTitle: (run: string) => string, selectRun: (run: string) => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.api = null;
    this.c = null; // the consultation, as GET /api/consultations/{slug} gives it
    this.offered = null;
    this.timer = null;
    this.saving = new Map(); // radio group name -> timeout of its pending save
    this.message = $("consult-message");
    this.comments = new Comments({ ...ctx, onUnauthorised: () => this._stale(), onClosed: () => this._reload() });
    $("consult-offer").addEventListener("click", () => this.offered && this.open(this.offered.slug, true));
    $("consult-close").addEventListener("click", () => this.close());
    $("consult-qr").addEventListener("click", () => this._showQr());
    $("qr-close").addEventListener("click", () => $("qr-dialog").close());
    $("consult-join-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this._join();
    });
  }

  /** Open the consultation of the address, or offer the one open consultation. */
  async start() {
    const slug = new URLSearchParams(location.search).get("consultation");
    if (slug) return this.open(slug);
    try {
      const open = (await listConsultations()).filter((c) => c.state === "open");
      if (open.length === 1) this.offered = open[0];
    } catch {
      // a server without consultations: nothing to offer
    }
    this._updateOffer();
  }

  _updateOffer() {
    const button = $("consult-offer");
    button.hidden = !this.offered || !$("consult-panel").hidden;
    if (this.offered) button.textContent = t("consult.offer", { title: this.offered.title });
  }

  async open(slug, focus = false) {
    const panel = $("consult-panel");
    panel.hidden = false;
    panel.dataset.state = "loading";
    this._updateOffer();
    this.api = new ConsultApi(slug);
    this.answers = new MyAnswers(slug);
    try {
      this.c = await this.api.consultation();
    } catch (err) {
      panel.dataset.state = "error";
      say(this.message, () => errorWords("consult.err.load", err), true);
      return;
    }
    this.offered ??= { slug, title: this.c.title };
    const url = new URL(location.href);
    url.searchParams.set("consultation", slug);
    history.replaceState(null, "", url); // a reload comes back here
    if (!this.c.scenarios.includes(this.ctx.getRun())) this.ctx.selectRun(this.c.scenarios[0]);
    this.comments.use(this.api, this.c);
    this.render();
    this.comments.start();
    this._pollResults();
    panel.dataset.state = "ready";
    if (focus) $("consult-heading").focus();
  }

  close() {
    clearInterval(this.timer);
    this.timer = null;
    this.comments.stop();
    this.comments.setTools(false);
    $("consult-panel").hidden = true;
    const url = new URL(location.href);
    url.searchParams.delete("consultation");
    history.replaceState(null, "", url);
    this._updateOffer();
    $("consult-offer").focus();
  }

  langChanged() {
    this._updateOffer();
    if (!this.c || $("consult-panel").hidden) return;
    this.render();
    this.comments.langChanged();
    this._refreshResults();
    sayAgain(this.message);
  }

  runChanged() {
    if (!this.c || $("consult-panel").hidden) return;
    this.comments.setTools(this.api.joined);
    this.comments.runChanged();
  }

  // --- What the panel shows ---

  render() {
    const { c, api } = this;
    const focused = document.activeElement?.id; // the panel is rebuilt: the focus comes back to its control
    const open = c.state === "open";
    $("consult-heading").textContent = t("consult.headingOf", { title: c.title });
    $("consult-description").replaceChildren(...paragraphs(c.description).map((p) => el("p", {}, p)));
    $("consult-state").textContent = this._stateWords();
    $("consult-privacy-body").replaceChildren(...this._privacy());
    $("consult-privacy").open = !api.joined;
    $("consult-join-form").hidden = api.joined || !open;
    $("consult-identity").hidden = c.identity !== "optional";
    $("consult-joined").hidden = !api.joined;
    $("consult-participate").hidden = !api.joined;
    $("consult-qr").hidden = c.mode !== "meeting";
    this._renderRatings(open);
    this._renderWeights(open);
    this._renderPreference(open);
    this.comments.setTools(api.joined);
    if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus();
  }

  _stateWords() {
    const { state, opens_utc: opens, closes_utc: closes } = this.c;
    if (state === "open") return closes ? t("consult.openUntil", { date: formatDate(closes) }) : t("consult.open");
    if (state === "closed") return t("consult.closed", { date: closes ? formatDate(closes) : "" });
    return opens ? t("consult.opensOn", { date: formatDate(opens) }) : t("consult.notOpen");
  }

  /** The privacy notice: the consultation's own words when it has them, else the page's. */
  _privacy() {
    const own = pick(this.c.privacy);
    if (own) return paragraphs(own).map((p) => el("p", {}, p));
    const identity = this.c.identity === "optional" ? "consult.privacy.identity" : "consult.privacy.noIdentity";
    return ["consult.privacy.what", identity, "consult.privacy.who", "consult.privacy.howLong", "consult.privacy.withdraw"]
      .map((key) => el("p", {}, t(key, { days: formatNumber(this.c.retention_days) })));
  }

  _renderRatings(open) {
    const groups = this.c.scenarios.map((run) => {
      const title = this.ctx.runTitle(run);
      const fieldsets = this.c.criteria.map((crit) => {
        const name = `rating-${run}-${crit.id}`;
        const mine = this.answers.rating(run, crit.id);
        const options = SCALE.map((v) => {
          const input = el("input", { type: "radio", name, id: `${name}-${v}`, value: v, checked: mine === v,
            disabled: !open });
          input.addEventListener("change", () => input.checked && this._later(name, () => this._rate(run, crit, v)));
          return el("label", { class: "rate-option", for: input.id }, input,
            el("span", { class: "rate-value" }, formatNumber(v)), el("span", { class: "rate-word" }, t(`consult.scale.${v}`)));
        });
        return el("fieldset", { class: "rate-group" },
          el("legend", {}, el("span", { class: "visually-hidden" }, `${title}: `), criterionLabel(crit)),
          el("div", { class: "rate-options" }, options));
      });
      return el("section", { class: "rate-scenario" }, el("h4", {}, title), fieldsets);
    });
    $("rating-groups").replaceChildren(...groups);
  }

  _renderWeights(open) {
    const groups = this.c.criteria.map((crit) => {
      const name = `weight-${crit.id}`;
      const mine = this.answers.weight(crit.id) ?? USUAL_WEIGHT;
      const options = WEIGHTS.map((w) => {
        const input = el("input", { type: "radio", name, id: `${name}-${w}`, value: w, checked: mine === w,
          disabled: !open });
        input.addEventListener("change", () => input.checked && this._later("weights", () => this._weigh()));
        return el("label", { class: "rate-option", for: input.id }, input,
          el("span", { class: "rate-word" }, t(`consult.weight.${w}`)));
      });
      return el("fieldset", { class: "rate-group" }, el("legend", {}, criterionLabel(crit)),
        el("div", { class: "rate-options" }, options));
    });
    $("weight-groups").replaceChildren(...groups);
  }

  _renderPreference(open) {
    const options = this.c.scenarios.map((run) => {
      const input = el("input", { type: "radio", name: "prefer", id: `prefer-${run}`, value: run,
        checked: this.answers.preference === run, disabled: !open });
      input.addEventListener("change", () => input.checked && this._later("prefer", () => this._prefer(run)));
      return el("label", { class: "choice-option", for: input.id }, input, el("span", {}, this.ctx.runTitle(run)));
    });
    $("prefer-options").replaceChildren(...options);
  }

  // --- Joining and answering ---

  async _join() {
    const identity = {};
    if (this.c.identity === "optional") {
      const name = $("consult-name").value.trim();
      const email = $("consult-email").value.trim();
      if (name) identity.name = name;
      if (email) identity.email = email;
    }
    $("consult-join").disabled = true;
    try {
      await this.api.join(identity);
      this.answers.clear(); // a new participant starts with no answers
      this.render();
      say(this.message, () => t("consult.joinedSaid"));
      $("consult-joined").focus();
      this.comments.refresh(); // the "Report" buttons appear
    } catch (err) {
      say(this.message, () => errorWords("consult.err.join", err), true);
    } finally {
      $("consult-join").disabled = false;
    }
  }

  /** Run a save once the choice has stayed put a moment (one request, not one per arrow key). */
  _later(key, save) {
    clearTimeout(this.saving.get(key));
    this.saving.set(key, setTimeout(() => {
      this.saving.delete(key);
      save();
    }, SAVE_DELAY_MS));
  }

  async _rate(run, crit, value) {
    const words = () => ({ title: this.ctx.runTitle(run), criterion: criterionLabel(crit), value: formatNumber(value) });
    try {
      await this.api.rate(run, crit.id, value);
      this.answers.setRating(run, crit.id, value);
      say(this.message, () => t("consult.rated", words()));
      this._refreshResults();
    } catch (err) {
      this._failed("consult.err.rate", err); // show what is really saved
      const saved = this.answers.rating(run, crit.id);
      for (const v of SCALE) $(`rating-${run}-${crit.id}-${v}`).checked = v === saved;
    }
  }

  /** Every criterion's weight as the page shows it (all are sent: a criterion left out would weigh 0). */
  _shownWeights() {
    const chosen = (crit) => document.querySelector(`input[name="weight-${crit.id}"]:checked`);
    return Object.fromEntries(this.c.criteria.map((crit) => [crit.id, Number(chosen(crit)?.value ?? USUAL_WEIGHT)]));
  }

  async _weigh() {
    const weights = this._shownWeights();
    if (!Object.values(weights).some((w) => w > 0)) { // the server would refuse it: say why here
      say(this.message, () => t("consult.weighNone"), true);
      this._showSavedWeights();
      return;
    }
    try {
      await this.api.weigh(weights);
      this.answers.setWeights(weights);
      say(this.message, () => t("consult.weighed"));
      this._refreshResults();
    } catch (err) {
      this._failed("consult.err.weigh", err);
      this._showSavedWeights();
    }
  }

  _showSavedWeights() {
    for (const crit of this.c.criteria) {
      const saved = this.answers.weight(crit.id) ?? USUAL_WEIGHT;
      for (const w of WEIGHTS) $(`weight-${crit.id}-${w}`).checked = w === saved;
    }
  }

  async _prefer(run) {
    try {
      await this.api.prefer([run]); // the chosen scenario first (and only: no order is made up for the others)
      this.answers.preference = run;
      say(this.message, () => t("consult.preferred", { title: this.ctx.runTitle(run) }));
      this._refreshResults();
    } catch (err) {
      this._failed("consult.err.prefer", err);
      for (const r of this.c.scenarios) $(`prefer-${r}`).checked = r === this.answers.preference;
    }
  }

  _failed(key, err) {
    say(this.message, () => errorWords(key, err), true);
    if (isStaleToken(err)) this._stale();
    if (err?.status === 409) this._reload(); // closed (or not open yet) meanwhile: show it as it is now
  }

  async _reload() {
    try {
      this.c = await this.api.consultation();
      this.comments.use(this.api, this.c);
      this.render();
    } catch {
      // the message already says what went wrong
    }
  }

  /** The server does not know this browser's token (erased, or another database): join again. */
  _stale() {
    if (!this.api?.joined) return;
    this.api.forget();
    this.answers.clear();
    this.render();
    say(this.message, () => t("consult.staleToken"), true);
  }

  // --- Live results and the QR code ---

  _pollResults() {
    clearInterval(this.timer);
    this._refreshResults();
    this.timer = setInterval(() => !document.hidden && this._refreshResults(), RESULTS_MS);
  }

  async _refreshResults() {
    const token = (this.resultsToken = (this.resultsToken ?? 0) + 1);
    const api = this.api;
    try {
      const results = await api.results(getLang());
      if (token !== this.resultsToken || api !== this.api) return; // a newer answer is coming
      renderResults($("results"), results, { consultation: this.c, runTitle: this.ctx.runTitle });
    } catch (err) {
      if (token !== this.resultsToken) return;
      $("results").dataset.signature = "";
      $("results").replaceChildren(el("p", { class: "error-text" }, errorWords("consult.err.results", err)));
    }
  }

  _showQr() {
    const address = `${location.origin}/?consultation=${encodeURIComponent(this.api.slug)}`;
    const img = $("consult-qr-img");
    img.src = this.api.qrUrl;
    img.alt = t("consult.qrAlt", { title: this.c.title });
    $("qr-address").textContent = address;
    $("qr-title").textContent = t("consult.qrTitle", { title: this.c.title });
    $("qr-dialog").showModal();
  }
}
