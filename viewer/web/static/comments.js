// The consultation's comments: pin one on a place of the 3D view (a click or tap, or the
// centre of the view for keyboard users), write it in a small form, and see the others' as
// pins on the view and as a list. Comment text is only ever set with textContent (never
// parsed as HTML), so markup in a comment shows as text.
import { t, getLang, formatNumber } from "./i18n.js";
import { el } from "./panel.js";
import { $, say, sayAgain, isStaleToken } from "./consult-ui.js";
import { errorWords, formatDate } from "./consult-i18n.js";
import { Pins, pickAt, pickCentre, cameraInCrs, showCamera } from "./pins.js";

const REFRESH_MS = 10000;
const MAX_CHARS = 1000;
const CLICK_SLOP_PX = 6; // a pointer that moved more than this turned the view: not a click

export class Comments {
  /**
   * @param {{view: object|null, getRun: () => string, getBaseline: () => string,
   *   runTitle: (run: string) => string, onUnauthorised: () => void, onClosed: () => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.api = null; // set by use()
    this.consultation = null;
    this.view = ctx.view;
    this.pins = ctx.view ? new Pins(ctx.view) : null;
    this.list = []; // the comments of the current scenario
    this.signature = "";
    this.selected = null;
    this.reported = new Set(); // ids this browser reported (the button says so)
    this.armed = false;
    this.draft = null; // the form's comment: {pick, scenario, camera, from} (new) or {edit: comment}
    this.message = $("comment-message");
    this.timer = null;
    this._wire();
  }

  // --- Lifecycle ---

  /** The consultation to comment on (a ConsultApi and the consultation it gave). */
  use(api, consultation) {
    this.api = api;
    this.consultation = consultation;
  }

  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => !document.hidden && this.refresh(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.disarm();
    this.closeForm();
    this.list = [];
    this.signature = "";
    this.selected = null;
    $("comment-card").hidden = true;
    this.pins?.show([]);
  }

  /** Show or hide the pin buttons (participants only), and say why they cannot be used. */
  setTools(visible) {
    $("consult-tools").hidden = !visible || !this.consultation;
    if (!this.consultation) return;
    const inConsultation = this.consultation.scenarios.includes(this.ctx.getRun());
    const open = this.consultation.state === "open";
    $("consult-pin").disabled = !(inConsultation && open && this.view);
    $("consult-pin-centre").disabled = $("consult-pin").disabled;
    const note = !open ? t("consult.notOpenNote") : !this.view ? t("consult.noView")
      : !inConsultation ? t("consult.notInConsultation") : "";
    $("consult-tools-note").textContent = note;
    $("consult-tools-note").hidden = !note;
  }

  runChanged() {
    this.selected = null;
    this.closeForm();
    this.signature = "";
    this.refresh();
  }

  langChanged() {
    this.signature = "";
    this._render();
    this._updateCount();
    sayAgain(this.message);
    if (this.draft) this.openForm(this.draft, false); // the open form's words
  }

  // --- The list and the pins ---

  async refresh() {
    const run = this.ctx.getRun();
    if (!run || !this.api) return;
    try {
      const comments = await this.api.comments(run);
      if (run !== this.ctx.getRun()) return; // the scenario changed meanwhile
      this.list = comments.filter((c) => c.scenario === run || c.scenario == null);
      $("comment-list").dataset.loaded = "true";
      this._render();
    } catch (err) {
      this.signature = "";
      renderListError(errorWords("consult.err.comments", err));
    }
  }

  _render() {
    this._drawPins();
    const signature = JSON.stringify([getLang(), this.api?.joined, this.consultation?.state, this.selected,
      [...this.reported], this.list]);
    if (signature === this.signature) return; // unchanged: leave the list (and the focus) alone
    this.signature = signature;
    const focused = document.activeElement?.closest?.("#comment-list [data-action]");
    const keep = focused && [focused.dataset.action, focused.dataset.id];
    $("comment-list-heading").textContent = t("consult.commentsOn", { title: this.ctx.runTitle(this.ctx.getRun()) });
    const items = this.list.map((c) => el("li", { class: `comment${c.id === this.selected ? " is-selected" : ""}`,
      "data-id": c.id }, this._body(c), el("div", { class: "comment-actions" }, this._actions(c, true))));
    if (!items.length) items.push(el("li", { class: "comment-none" }, t("consult.noComments")));
    $("comment-list").replaceChildren(...items);
    if (keep) $("comment-list").querySelector(`[data-action="${keep[0]}"][data-id="${keep[1]}"]`)?.focus();
    this._renderCard();
  }

  _drawPins() {
    this.pins?.show(this.list, { selected: this.selected, draft: this.draft?.pick?.point ?? null });
  }

  /** A comment's words and facts; its text goes in as text, never as HTML. */
  _body(c) {
    const text = el("p", { class: "comment-text" });
    text.textContent = c.text;
    if (c.lang && c.lang !== getLang()) text.lang = c.lang;
    const facts = [formatDate(c.created_utc)];
    if (c.mine) facts.push(t("consult.yours"));
    if (c.status === "pending") facts.push(t("consult.pending"));
    if (c.building) facts.push(t("consult.building", { id: c.building }));
    if (!Array.isArray(c.point)) facts.push(t("consult.noPlace"));
    return [text, el("p", { class: "comment-meta" }, facts.filter(Boolean).join(" · "))];
  }

  /** The buttons of a comment: show it on the view; report it (others') or edit and withdraw it (one's own). */
  _actions(c, inList) {
    const button = (action, label, handler) => {
      const b = el("button", { type: "button", class: "btn small", "data-action": action, "data-id": c.id }, label);
      b.addEventListener("click", () => handler(b));
      return b;
    };
    const out = [];
    if (inList && Array.isArray(c.point)) out.push(button("show", t("consult.show"), () => this.select(c.id, true)));
    if (!this.api.joined) return out;
    if (c.mine) {
      const open = this.consultation.state === "open"; // a closed consultation's comments can be withdrawn only
      if (open) out.push(button("edit", t("consult.edit"), () => this.openForm({ edit: c })));
      out.push(button("withdraw", t("consult.withdraw"), (b) => this._withdraw(c, b)));
    } else if (this.reported.has(c.id)) {
      out.push(el("button", { type: "button", class: "btn small", disabled: true }, t("consult.reportedShort")));
    } else out.push(button("report", t("consult.report"), (b) => this._report(c, b)));
    return out;
  }

  /** Select a comment: its pin grows and a card over the view shows it; optionally the author's view. */
  select(id, moveCamera = false) {
    this.selected = id;
    const c = this.list.find((x) => x.id === id);
    if (c && moveCamera && this.view) showCamera(this.view, c.camera);
    this._render();
  }

  _renderCard() {
    const card = $("comment-card");
    const c = this.list.find((x) => x.id === this.selected);
    card.hidden = !c;
    if (!c) return;
    const close = el("button", { type: "button", class: "btn small", id: "comment-card-close" }, t("consult.close"));
    close.addEventListener("click", () => this.select(null));
    card.replaceChildren(el("h3", {}, t("consult.comment")), ...this._body(c),
      el("div", { class: "comment-actions" }, this._actions(c, false), close));
  }

  // --- Report, withdraw ---

  async _report(c, button) {
    button.disabled = true;
    try {
      await this.api.report(c.id);
      this.reported.add(c.id);
      say(this.message, () => t("consult.reported"));
      this.refresh();
    } catch (err) {
      button.disabled = false;
      this._fail("consult.err.report", err);
    }
  }

  async _withdraw(c, button) {
    if (button.dataset.confirm !== "yes") { // two steps: a slip of the finger withdraws nothing
      button.dataset.confirm = "yes";
      button.textContent = t("consult.withdrawConfirm");
      button.addEventListener("blur", () => {
        button.dataset.confirm = "";
        button.textContent = t("consult.withdraw");
      }, { once: true });
      return;
    }
    try {
      await this.api.withdrawComment(c.id);
      if (this.selected === c.id) this.selected = null;
      say(this.message, () => t("consult.withdrawn"));
      this.refresh();
    } catch (err) {
      this._fail("consult.err.withdraw", err);
    }
  }

  _fail(key, err) {
    if (isStaleToken(err)) this.ctx.onUnauthorised();
    if (err?.status === 409) this.ctx.onClosed(); // the consultation closed meanwhile
    say(this.message, () => errorWords(key, err), true);
  }

  // --- Pinning: arm, pick, write ---

  _wire() {
    $("consult-pin").addEventListener("click", () => (this.armed ? this.disarm() : this.arm()));
    $("consult-pin-centre").addEventListener("click", () => {
      this.disarm();
      this._picked(this.view && pickCentre(this.view), $("consult-pin-centre"));
    });
    $("comment-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this._send();
    });
    $("comment-cancel").addEventListener("click", () => this.closeForm(true));
    $("comment-form").addEventListener("keydown", (e) => e.key === "Escape" && this.closeForm(true));
    $("comment-text").addEventListener("input", () => this._updateCount());
    document.addEventListener("keydown", (e) => e.key === "Escape" && this.armed && this.disarm(true));
    const canvas = $("view");
    let down = null;
    canvas.addEventListener("pointerdown", (e) => (down = e.isPrimary ? { x: e.clientX, y: e.clientY } : null));
    canvas.addEventListener("pointerup", (e) => {
      if (!down || !this.view || Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_SLOP_PX) return;
      down = null;
      if (this.armed) {
        this.disarm();
        this._picked(pickAt(this.view, e.clientX, e.clientY), $("consult-pin"));
      } else if (this.pins) {
        const id = this.pins.hitAt(e.clientX, e.clientY);
        if (id != null || this.selected != null) this.select(id);
      }
    });
  }

  arm() {
    this.closeForm();
    this.armed = true;
    $("consult-pin").setAttribute("aria-pressed", "true");
    $("view").classList.add("is-picking");
    say(this.message, () => t("consult.armed"));
  }

  disarm(said = false) {
    if (!this.armed) return;
    this.armed = false;
    $("consult-pin").setAttribute("aria-pressed", "false");
    $("view").classList.remove("is-picking");
    if (said) say(this.message, () => t("consult.pickCancelled"));
  }

  /** A place was picked (or not: the sky, no scene): open the form for it. */
  _picked(picked, from) {
    if (!picked) {
      say(this.message, () => t("consult.noPlaceThere"), true);
      return;
    }
    const scenario = picked.side === "base" ? this.ctx.getBaseline() : this.ctx.getRun();
    if (!this.consultation.scenarios.includes(scenario)) {
      say(this.message, () => t("consult.notInConsultation"), true);
      return;
    }
    this.openForm({ pick: picked, scenario, camera: cameraInCrs(this.view), from });
  }

  /** Open the form: for a new comment ({pick, scenario, camera}) or to edit one's own ({edit: comment}). */
  openForm(draft, fresh = true) {
    this.draft = draft;
    const editing = Boolean(draft.edit);
    if (fresh && this.selected != null) { // the card would hide the form's place
      this.selected = null;
      this._render();
    }
    $("comment-label").textContent = t(editing ? "consult.editLabel" : "consult.commentLabel");
    const where = draft.pick?.onBuilding ? "consult.whereBuilding" : "consult.where";
    $("comment-where").textContent = editing ? "" : t(where, { title: this.ctx.runTitle(draft.scenario) });
    $("comment-send").textContent = t(editing ? "consult.save" : "consult.send");
    $("comment-form").hidden = false;
    if (!fresh) return; // the language changed: the text written and the focus stay
    $("comment-text").value = editing ? draft.edit.text : "";
    this._updateCount();
    this._drawPins();
    say(this.message, "");
    $("comment-text").focus();
  }

  closeForm(cancelled = false) {
    if (!this.draft) return;
    const draft = this.draft;
    this.draft = null;
    $("comment-form").hidden = true;
    this._drawPins();
    if (cancelled) {
      say(this.message, () => t("consult.cancelled"));
      this._focusBack(draft);
    }
  }

  /** Give the focus back to what opened the form: a pin button, or the comment's "Edit" (maybe redrawn since). */
  _focusBack(draft) {
    const edit = draft.edit && $("comment-list").querySelector(`[data-action="edit"][data-id="${draft.edit.id}"]`);
    (edit || draft.from || $("consult-pin")).focus();
  }

  _updateCount() {
    const n = $("comment-text").value.length;
    $("comment-count").textContent = t("consult.count", { n: formatNumber(n), max: formatNumber(MAX_CHARS) });
  }

  async _send() {
    const draft = this.draft;
    const text = $("comment-text").value.trim();
    if (!draft) return;
    if (!text) {
      say(this.message, () => t("consult.empty"), true);
      $("comment-text").focus();
      return;
    }
    $("comment-send").disabled = true;
    try {
      let answer;
      if (draft.edit) answer = await this.api.editComment(draft.edit.id, text);
      else {
        answer = await this.api.postComment({ scenario: draft.scenario, text, lang: getLang(),
          point: draft.pick.point, ...(draft.camera ? { camera: draft.camera } : {}) });
      }
      this.closeForm();
      const pending = answer?.status === "pending";
      const words = draft.edit ? (pending ? "consult.editedPending" : "consult.edited")
        : pending ? "consult.sentPending" : "consult.sentVisible";
      say(this.message, () => t(words));
      if (answer?.id != null) this.selected = answer.id;
      await this.refresh();
      this._focusBack(draft);
    } catch (err) {
      this._fail(draft.edit ? "consult.err.edit" : "consult.err.send", err);
    } finally {
      $("comment-send").disabled = false;
    }
  }
}

function renderListError(text) {
  const item = el("li", { class: "comment-none error-text" });
  item.textContent = text;
  $("comment-list").replaceChildren(item);
}
