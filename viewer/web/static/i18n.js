// All the words of the page, in English and French, and the number / time formats.
// Static HTML text is marked with data-i18n (text), data-i18n-aria (aria-label) or
// data-i18n-title (title); applyStrings() fills them in for the current language.
import { CONSULT_STRINGS } from "./consult-i18n.js";

const STRINGS = {
  en: {
    "page.title": "Digital twin of the territory",
    "page.subtitle": "Heat and floods, today and with the projects",
    "skip": "Skip to the key figures",
    "lang.switch": "Français",
    "lang.switchName": "Passer la page en français",
    "controls.heading": "What to show",
    "scenario.label": "Scenario",
    "scenario.baselineSuffix": "(reference)",
    "event.label": "Event",
    "layer.legend": "Map layer",
    "layer.land": "Plain map",
    "layer.max_depth": "Flood: highest water",
    "layer.flood_animation": "Flood: water over time",
    "layer.utci": "Heat felt at 3 pm",
    "layer.t_air_night": "Night air temperature",
    "layer.unavailable": "(not in this scenario)",
    "compare.label": "Before / after",
    "compare.off": "Off",
    "compare.split": "Side by side",
    "compare.swipe": "Swipe",
    "compare.before": "Before: {title}",
    "compare.after": "After: {title}",
    "compare.sameRun": "Choose a scenario other than today's town to compare.",
    "swipe.label": "Divider between before and after",
    "swipe.valuetext": "{pct} % of the width shows before",
    "time.label": "Time: {time}",
    "time.name": "Time since the start of the flood",
    "play": "Play",
    "pause": "Pause",
    "view.heading": "3D view",
    "view.rotateLeft": "Turn left",
    "view.rotateRight": "Turn right",
    "view.zoomIn": "Zoom in",
    "view.zoomOut": "Zoom out",
    "view.reset": "Reset view",
    "view.help": "Drag to turn, pinch or scroll to zoom. With the keyboard, focus the view and use the arrow keys, + and −.",
    "view.aria": "3D view of the territory. {what}. The key figures below describe it in words.",
    "view.ariaScene": "Scenario: {run}. Layer: {layer}",
    "view.ariaEvent": "Event: {event}",
    "view.ariaSplit": "Side by side: before ({baseline}) on the left, after on the right",
    "view.ariaSwipe": "Swipe: before ({baseline}) on the left of the divider, after on the right",
    "view.noWebgl": "This device cannot draw the 3D view (WebGL is not available). The figures and the legend still work.",
    "legend.heading": "Legend",
    "legend.units": "Units: {units}",
    "legend.none": "No legend for this layer.",
    "legend.land": "The ground, the buildings and the river as they are.",
    "scenario.heading": "About this scenario",
    "scenario.cost": "Cost: {cost}",
    "scenario.noCost": "Cost: none (no works)",
    "scenario.measures": "Measures",
    "scenario.noMeasures": "No measures: this is the town as it is today.",
    "measure.area": "{area} m²",
    "indicators.heading": "Key figures",
    "indicators.changes": "What changes compared with today ({baseline})",
    "indicators.today": "The town today",
    "indicators.noChange": "No noticeable change on the key figures.",
    "indicators.none": "No figures are available.",
    "indicators.details": "All the figures",
    "indicators.col.what": "What",
    "indicators.col.before": "Today",
    "indicators.col.after": "Scenario",
    "indicators.col.change": "Change",
    "judgement.better": "Better",
    "judgement.worse": "Worse",
    "judgement.same": "Same",
    "loading.runs": "Loading the list of scenarios…",
    "loading.scene": "Loading the 3D view…",
    "loading.frames": "Loading the flood animation…",
    "loaded.scene": "3D view ready: {what}.",
    "loaded.text": "Figures ready: {what}.",
    "error.prefix": "Sorry, something went wrong.",
    "error.runs": "The list of scenarios could not be loaded.",
    "error.layers": "The legends could not be loaded.",
    "error.run": "The scenario could not be loaded.",
    "error.compare": "The key figures could not be loaded.",
    "error.scene": "The 3D view could not be loaded.",
    "error.frames": "The flood animation could not be loaded.",
    "error.detail": "Details: {detail}",
    "error.http": "the server answered {status}",
    "error.network": "the server could not be reached",
    "error.noRuns": "There is no scenario to show yet.",
    "kind.heatwave": "heatwave",
    "kind.design_storm": "rainstorm",
    "kind.river_flood": "river flood",
  },
  fr: {
    "page.title": "Jumeau numérique du territoire",
    "page.subtitle": "Chaleur et inondations, aujourd'hui et avec les projets",
    "skip": "Aller aux chiffres clés",
    "lang.switch": "English",
    "lang.switchName": "Switch the page to English",
    "controls.heading": "Que montrer",
    "scenario.label": "Scénario",
    "scenario.baselineSuffix": "(référence)",
    "event.label": "Événement",
    "layer.legend": "Couche de la carte",
    "layer.land": "Carte simple",
    "layer.max_depth": "Inondation : eau la plus haute",
    "layer.flood_animation": "Inondation : l'eau au fil du temps",
    "layer.utci": "Chaleur ressentie à 15 h",
    "layer.t_air_night": "Température de l'air la nuit",
    "layer.unavailable": "(absent de ce scénario)",
    "compare.label": "Avant / après",
    "compare.off": "Non",
    "compare.split": "Côte à côte",
    "compare.swipe": "Rideau",
    "compare.before": "Avant : {title}",
    "compare.after": "Après : {title}",
    "compare.sameRun": "Choisissez un autre scénario que la ville d'aujourd'hui pour comparer.",
    "swipe.label": "Séparation entre avant et après",
    "swipe.valuetext": "{pct} % de la largeur montre l'avant",
    "time.label": "Temps : {time}",
    "time.name": "Temps depuis le début de l'inondation",
    "play": "Lecture",
    "pause": "Pause",
    "view.heading": "Vue 3D",
    "view.rotateLeft": "Tourner à gauche",
    "view.rotateRight": "Tourner à droite",
    "view.zoomIn": "Zoomer",
    "view.zoomOut": "Dézoomer",
    "view.reset": "Revenir à la vue de départ",
    "view.help": "Faites glisser pour tourner, pincez ou utilisez la molette pour zoomer. Au clavier, placez-vous sur la vue et utilisez les flèches, + et −.",
    "view.aria": "Vue 3D du territoire. {what}. Les chiffres clés ci-dessous la décrivent en mots.",
    "view.ariaScene": "Scénario : {run}. Couche : {layer}",
    "view.ariaEvent": "Événement : {event}",
    "view.ariaSplit": "Côte à côte : avant ({baseline}) à gauche, après à droite",
    "view.ariaSwipe": "Rideau : avant ({baseline}) à gauche de la séparation, après à droite",
    "view.noWebgl": "Cet appareil ne peut pas dessiner la vue 3D (WebGL n'est pas disponible). Les chiffres et la légende restent disponibles.",
    "legend.heading": "Légende",
    "legend.units": "Unité : {units}",
    "legend.none": "Pas de légende pour cette couche.",
    "legend.land": "Le sol, les bâtiments et la rivière tels qu'ils sont.",
    "scenario.heading": "À propos de ce scénario",
    "scenario.cost": "Coût : {cost}",
    "scenario.noCost": "Coût : aucun (pas de travaux)",
    "scenario.measures": "Mesures",
    "scenario.noMeasures": "Aucune mesure : c'est la ville telle qu'elle est aujourd'hui.",
    "measure.area": "{area} m²",
    "indicators.heading": "Chiffres clés",
    "indicators.changes": "Ce qui change par rapport à aujourd'hui ({baseline})",
    "indicators.today": "La ville aujourd'hui",
    "indicators.noChange": "Pas de changement notable sur les chiffres clés.",
    "indicators.none": "Aucun chiffre n'est disponible.",
    "indicators.details": "Tous les chiffres",
    "indicators.col.what": "Quoi",
    "indicators.col.before": "Aujourd'hui",
    "indicators.col.after": "Scénario",
    "indicators.col.change": "Écart",
    "judgement.better": "Mieux",
    "judgement.worse": "Moins bien",
    "judgement.same": "Pareil",
    "loading.runs": "Chargement de la liste des scénarios…",
    "loading.scene": "Chargement de la vue 3D…",
    "loading.frames": "Chargement de l'animation de l'inondation…",
    "loaded.scene": "Vue 3D prête : {what}.",
    "loaded.text": "Chiffres prêts : {what}.",
    "error.prefix": "Désolé, un problème est survenu.",
    "error.runs": "La liste des scénarios n'a pas pu être chargée.",
    "error.layers": "Les légendes n'ont pas pu être chargées.",
    "error.run": "Le scénario n'a pas pu être chargé.",
    "error.compare": "Les chiffres clés n'ont pas pu être chargés.",
    "error.scene": "La vue 3D n'a pas pu être chargée.",
    "error.frames": "L'animation de l'inondation n'a pas pu être chargée.",
    "error.detail": "Détail : {detail}",
    "error.http": "le serveur a répondu {status}",
    "error.network": "le serveur ne répond pas",
    "error.noRuns": "Il n'y a pas encore de scénario à montrer.",
    "kind.heatwave": "canicule",
    "kind.design_storm": "orage",
    "kind.river_flood": "crue de la rivière",
  },
};

for (const lang of Object.keys(STRINGS)) Object.assign(STRINGS[lang], CONSULT_STRINGS[lang]);

export const LANGS = ["en", "fr"];
let current = "en";

/** The language to start with: ?lang= in the address, else the browser's language. */
export function initialLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  return (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
}

export function getLang() {
  return current;
}

/** Set the language: <html lang>, the document title and every marked element. */
export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : "en";
  document.documentElement.lang = current;
  applyStrings(document);
}

/** Translate a key, replacing {name} placeholders with params. Unknown keys show as-is. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Pick the current language from a server object {en, fr}, or return a plain string. */
export function pick(value) {
  if (value == null) return "";
  if (typeof value === "string") return value;
  return value[current] ?? value.en ?? Object.values(value)[0] ?? "";
}

export function applyStrings(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  document.title = t("page.title");
}

const locale = () => (current === "fr" ? "fr-FR" : "en-GB");

/** A number in the current language, e.g. 1 234,5 in French. */
export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

/** An amount in euros, without cents, e.g. "€4,300,000" or "4 300 000 €". */
export function formatEuro(value) {
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(value);
}

/** Seconds since the start as "1 h 20 min" (EN) or "1 h 20" (FR); plain spaces so tests can match. */
export function formatDuration(seconds) {
  const total = Math.round(seconds / 60);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m} min`;
  if (m === 0) return `${h} h`;
  return current === "fr" ? `${h} h ${String(m).padStart(2, "0")}` : `${h} h ${m} min`;
}

/** The words for an event: its label from the server, with its kind in words when the label is only its name. */
export function eventLabel(event) {
  if (!event) return "";
  const label = pick(event.label);
  const kind = STRINGS[current][`kind.${event.kind}`];
  if (label && label !== event.name) return label;
  return kind ? `${kind[0].toUpperCase()}${kind.slice(1)} (${event.name})` : event.name;
}
