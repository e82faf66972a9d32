// The consultation's words: machinery only. The texts are the consult.* keys of twin's word
// tables (twin/words/en.json, fr.json), fetched with the page's (i18n.js). Here: what went wrong
// in words by HTTP status, and dates in the page's language (Intl). Counts are written
// "marks: 4" rather than "4 marks", so that no plural rule is needed.
import { ApiError } from "./api.js";
import { t, getLang } from "./i18n.js";

const STATUS_WORDS = { 0: "consult.err.network", 401: "consult.err.401", 403: "consult.err.403", 404: "consult.err.404",
  409: "consult.err.409", 422: "consult.err.422", 429: "consult.err.429" };

/** What went wrong, in words: what could not be done (a key), why (by HTTP status), and the server's detail. */
export function errorWords(key, err) {
  if (!(err instanceof ApiError)) return `${t(key)} ${t("page.error.detail", { detail: err?.message ?? String(err) })}`;
  const why = STATUS_WORDS[err.status] ? t(STATUS_WORDS[err.status]) : t("page.error.http", { status: err.status });
  const detail = err.detail && err.status !== 0 ? ` ${t("page.error.detail", { detail: err.detail })}` : "";
  return `${t(key)} ${why}${detail}`;
}

/** A date and time of the API (ISO, UTC) in the page's language and the reader's time zone. */
export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(getLang() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" })
    .format(date);
}
