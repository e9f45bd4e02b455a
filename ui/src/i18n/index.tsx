// The one i18n layer: every user-visible string goes through t().
//
// Keys are the English source text (gettext style): t("Release order"),
// t("{count} late orders", { count }). English needs no catalog (the key is the text)
// except for plural forms; other languages have catalogs split per feature area under
// i18n/<locale>/*.ts, each exporting a default `Catalog`. They are merged when the app
// loads, so a new page adds its own file instead of editing a shared one.
// tests/unit/ui/test_i18n_catalog.py checks that every t("…") key has a German entry.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export type Locale = "en" | "de";
export const LOCALES: { value: Locale; label: string }[] = [
  { value: "en", label: "English" },
  { value: "de", label: "Deutsch" },
];

/** A translation: plain text, or plural forms chosen by Intl.PluralRules on `count`. */
export type Entry = string | Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Catalog = Record<string, Entry>;

function merge(modules: Record<string, Catalog>): Catalog {
  const out: Catalog = {};
  for (const [file, catalog] of Object.entries(modules)) {
    for (const [key, entry] of Object.entries(catalog)) {
      if (key in out && import.meta.env.DEV) console.warn(`i18n: ${file} redefines "${key}"`);
      out[key] = entry;
    }
  }
  return out;
}

const CATALOGS: Record<Locale, Catalog> = {
  en: merge(import.meta.glob<Catalog>("./en/*.ts", { eager: true, import: "default" })),
  de: merge(import.meta.glob<Catalog>("./de/*.ts", { eager: true, import: "default" })),
};

const STORAGE_KEY = "linewise.locale";

function isLocale(v: unknown): v is Locale {
  return v === "en" || v === "de";
}

/** The saved choice, else the browser's first language we have, else English. */
function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // storage may be disabled; fall through to the browser's languages
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return "en";
}

let current: Locale = initialLocale();
const plurals = new Map<Locale, Intl.PluralRules>();

/** The active locale (for Intl formatters outside React). */
export function locale(): Locale {
  return current;
}

export type Params = Record<string, string | number>;

function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === "number" ? new Intl.NumberFormat(current).format(v) : v;
  });
}

/**
 * Translate an English source text. `{name}` placeholders are filled from `params`
 * (numbers formatted for the locale); a numeric `count` picks the plural form.
 */
export function t(key: string, params?: Params): string {
  const entry = CATALOGS[current][key] ?? CATALOGS.en[key] ?? key;
  if (typeof entry === "string") return fill(entry, params);
  const count = params?.count;
  let rules = plurals.get(current);
  if (!rules) {
    rules = new Intl.PluralRules(current);
    plurals.set(current, rules);
  }
  const form = typeof count === "number" ? rules.select(count) : "other";
  return fill(entry[form] ?? entry.other, params);
}

/** Marks a text for translation where it is declared (a table of labels); t() it where shown. */
export function msg(key: string): string {
  return key;
}

interface I18n {
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: typeof t;
}

const Ctx = createContext<I18n>({ locale: current, setLocale: () => {}, t });

function applyLocale(l: Locale) {
  current = l;
  document.documentElement.lang = l;
}

/**
 * Holds the locale. Components that read it with useT() re-render on a switch; App
 * re-mounts the current page (keyed by locale) so that every t() call and memoised
 * formatter in it runs again in the new language, while the session and URL stay.
 */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [loc, setLoc] = useState<Locale>(current);
  useEffect(() => applyLocale(loc), [loc]);
  const setLocale = useCallback((l: Locale) => {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // not persisted; the choice still holds for this page
    }
    applyLocale(l);
    setLoc(l);
  }, []);
  const value = useMemo(() => ({ locale: loc, setLocale, t }), [loc, setLocale]);
  return (
    <Ctx.Provider value={value}>
      {children}
    </Ctx.Provider>
  );
}

/** `const { t, locale, setLocale } = useT();` in components. */
export function useT(): I18n {
  return useContext(Ctx);
}

applyLocale(current);
