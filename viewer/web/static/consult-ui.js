// Small helpers shared by the consultation's modules: messages in a live region, a refused token, and the
// answers this browser gave (to show them again); errors in words and dates are in consult-i18n.js.
import { ApiError } from "./api.js";

export const $ = (id) => document.getElementById(id);

const said = new WeakMap(); // region -> its last message, said again in the new language on a switch

/**
 * Say something in a live region (role="status", never hidden, so it is heard): a text, a function
 * giving it (called again by sayAgain when the language changes), or "" to clear it.
 */
export function say(region, message, isError = false) {
  const text = typeof message === "function" ? message : () => message;
  said.set(region, { text, isError });
  region.textContent = text();
  region.classList.toggle("is-error", Boolean(region.textContent) && isError);
}

/** Say a region's last message again, in the language now chosen. */
export function sayAgain(region) {
  const last = said.get(region);
  if (last) say(region, last.text, last.isError);
}

/** Whether the server refused this browser's participant token (unknown to it: erased, or another database). */
export function isStaleToken(err) {
  if (!(err instanceof ApiError)) return false;
  return err.status === 401 || (err.status === 403 && /X-Participant-Token/i.test(err.detail || ""));
}

/** This browser's own answers to a consultation (the API does not give them back): ratings, weights, choice. */
export class MyAnswers {
  constructor(slug) {
    this.key = `twin.consultation.${slug}.answers`;
    this.data = { ratings: {}, weights: {}, preference: null };
    try {
      Object.assign(this.data, JSON.parse(localStorage.getItem(this.key) || "{}"));
    } catch {
      // nothing kept, or not readable: start empty
    }
  }

  rating(run, criterion) {
    return this.data.ratings[`${run}|${criterion}`] ?? null;
  }

  setRating(run, criterion, value) {
    this.data.ratings[`${run}|${criterion}`] = value;
    this._save();
  }

  /** The weight given to a criterion, or null if none was given (then every criterion weighs the same). */
  weight(criterion) {
    return this.data.weights?.[criterion] ?? null;
  }

  setWeights(weights) {
    this.data.weights = { ...weights };
    this._save();
  }

  get preference() {
    return this.data.preference;
  }

  set preference(run) {
    this.data.preference = run;
    this._save();
  }

  clear() {
    this.data = { ratings: {}, weights: {}, preference: null };
    this._save();
  }

  _save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.data));
    } catch {
      // kept for this visit only
    }
  }
}
