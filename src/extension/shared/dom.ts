// Building DOM from data without innerHTML: text goes in as textContent, attributes one by
// one, so nothing measured or typed can become markup.
import type { Translate } from '../platform/ports.js';

type Attrs = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string, root: Document = document): T {
  const node = root.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node as T;
}

/**
 * A name or URL put inside a translated sentence, isolated (Unicode FSI ... PDI) so that in a
 * right-to-left sentence it keeps its own direction and its brackets stay put (Unicode
 * Bidirectional Algorithm, UAX #9, "Explicit Directional Isolates").
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/**
 * The translation a page shows: in a right-to-left page every value put into a sentence is
 * isolated, so that a figure with its unit, or an English detail (an error's URL, a leg's
 * name), keeps its own direction. Unisolated, Persian "9 rounds, 72.0 MB, 23 s" read as 23 MB
 * and 72.0 seconds: a number after a Latin unit takes the unit's direction (UAX #9, rules W2
 * and W7), and a detail that begins with a number is reordered. Text that is copied, saved,
 * stored or drawn into the share image takes the plain translation: it carries no marks.
 */
export function shownTranslation(t: Translate): Translate {
  return t('htmlDir') === 'rtl' ? (key, substitutions) => t(key, substitutions?.map(isolate)) : t;
}

/**
 * Puts translated text into elements marked data-i18n (text) and data-i18n-label
 * (aria-label); the English in the HTML stays when a key has no translation.
 */
export function localizePage(root: Document, t: Translate): void {
  // The language of the messages actually served (the best _locales match), which is what a
  // screen reader must read them in; @@ui_locale can differ from it.
  const language = t('htmlLang');
  if (language) root.documentElement.lang = language;
  // Persian reads right to left: the page's direction follows the served messages, as the
  // language does (a message rather than @@bidi_dir, which follows the browser's UI locale).
  root.documentElement.dir = t('htmlDir') === 'rtl' ? 'rtl' : 'ltr';
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const text = t(node.dataset.i18n!);
    if (text) node.textContent = text;
  }
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    const text = t(node.dataset.i18nLabel!);
    if (text) node.setAttribute('aria-label', text);
  }
  for (const node of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    const text = t(node.dataset.i18nPlaceholder!);
    if (text) node.placeholder = text;
  }
}
