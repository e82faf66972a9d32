// The page's words and number formats. The words are not here: they are twin's word tables
// (twin/words/en.json, fr.json), the same ones the report and the command line use, fetched as
// JSON from /api/words?lang=… at start and on a language switch. Static HTML text is marked with
// data-i18n (text), data-i18n-aria (aria-label) or data-i18n-title (title); applyStrings() fills
// them in for the current language. Numbers go through Intl, as Babel (CLDR) does on the server.
import { fetchWords } from "./api.js";

export const LANGS = ["en", "fr"];
let current = "en";
let words = {}; // key -> text of the current language
const tables = new Map(); // lang -> Promise<{key: text}>, each fetched once

/** The language to start with: ?lang= in the address, else the browser's language. */
export function initialLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  return (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
}

export function getLang() {
  return current;
}

function _table(lang) {
  if (!tables.has(lang)) {
    const p = fetchWords(lang).then((body) => body.words ?? {});
    p.catch(() => tables.delete(lang)); // let a later switch ask again
    tables.set(lang, p);
  }
  return tables.get(lang);
}

/**
 * Set the language: fetch its word table (once), then <html lang>, the document title and every
 * marked element. Rejects, leaving the language as it was, when the table cannot be fetched.
 */
export async function setLang(lang) {
  lang = LANGS.includes(lang) ? lang : "en";
  const table = await _table(lang);
  current = lang;
  words = table;
  document.documentElement.lang = current;
  applyStrings(document);
}

/** Whether the word table has a text for key. */
export function has(key) {
  return Object.hasOwn(words, key);
}

/**
 * The text of key with its {name} fields filled from fields, as Python's str.format does in
 * twin.words.text ({{ and }} are braces). An unknown key shows as itself, never an exception.
 */
export function t(key, fields = {}) {
  const text = words[key];
  if (text == null) return key;
  return text.replace(/\{\{|\}\}|\{(\w+)\}/g, (m, name) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    return name in fields ? String(fields[name]) : m;
  });
}

/** Pick the current language from a server object {en, fr}, or return a plain string. */
export function pick(value) {
  if (value == null) return "";
  if (typeof value === "string") return value;
  return value[current] ?? value.en ?? Object.values(value)[0] ?? "";
}

/** Fill the marked elements under root; those whose key the table lacks keep their text (the HTML's English). */
export function applyStrings(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) if (has(el.dataset.i18n)) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    if (has(el.dataset.i18nAria)) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    if (has(el.dataset.i18nTitle)) el.title = t(el.dataset.i18nTitle);
  }
  if (has("page.title")) document.title = t("page.title");
}

/** Units in words (unit.degC is °C), or as they are when the table has no word for them (m). */
export function unitWords(units) {
  if (!units) return "";
  return has(`unit.${units}`) ? t(`unit.${units}`) : units;
}

// Numbers as twin.formats writes them with Babel: the CLDR locale of the language ("en", "fr", as
// Babel's locale=lang) and half-even rounding (Python's decimal default), so the page and the report agree.
const NUMBERS = { roundingMode: "halfEven" };

/** A number in the current language, e.g. 1 234,5 in French; options are Intl.NumberFormat's. */
export function formatNumber(value, digits = 0, options = {}) {
  return new Intl.NumberFormat(current, { ...NUMBERS, maximumFractionDigits: digits, ...options }).format(value);
}

/** An amount in euros, without cents, e.g. "€4,300,000" or "4 300 000 €". */
export function formatEuro(value) {
  return new Intl.NumberFormat(current, { ...NUMBERS, style: "currency", currency: "EUR", maximumFractionDigits: 0 })
    .format(value);
}

/** An amount in euros, compact as the report writes it (CLDR): "€2.1M" or "2,1 M €". */
export function formatEuroShort(value, options = {}) {
  return new Intl.NumberFormat(current, { ...NUMBERS, style: "currency", currency: "EUR", notation: "compact",
    maximumFractionDigits: 1, ...options }).format(value);
}

/** Seconds since the start as "1 h 20 min" (EN) or "1 h 20" (FR): the words from the table, the numbers from Intl. */
export function formatDuration(seconds) {
  const total = Math.round(seconds / 60);
  const h = Math.floor(total / 60);
  const m = total % 60;
  const fields = { h: formatNumber(h), m: formatNumber(m), mm: formatNumber(m, 0, { minimumIntegerDigits: 2 }) };
  if (h === 0) return t("page.duration.m", fields);
  if (m === 0) return t("page.duration.h", fields);
  return t("page.duration.hm", fields);
}

/** The words for an event: its label from the server, with its kind in words when the label is only its name. */
export function eventLabel(event) {
  if (!event) return "";
  const label = pick(event.label);
  const kind = pick(event.kind_label);
  if (label && label !== event.name) return label;
  return kind ? `${kind[0].toUpperCase()}${kind.slice(1)} (${event.name})` : event.name;
}
