// What a report says about the client: browser family and major version, OS family,
// and nothing finer. The full user agent, minor versions and the CPU architecture stay here.
//
// Sources: User-Agent Client Hints' brand list (navigator.userAgentData.brands, WICG UA-CH)
// where the browser has it, since Chrome, Edge, Opera and Brave share one "Chrome/NNN" user
// agent; the classic user agent string otherwise (Firefox has no userAgentData). The OS comes
// from runtime.getPlatformInfo(), whose `os` is one of mac, win, android, cros, linux, openbsd,
// fuchsia (Chrome "runtime.PlatformOs"; Firefox adds ios).
import type { ReportMeta } from '../../core/report.js';

export type BrowserInfo = NonNullable<ReportMeta['client']['browser']>;
export type OsFamily = ReportMeta['client']['os'];

export interface Brand {
  brand: string;
  version: string;
}

/** UA-CH brand names, most specific first: every Chromium-based browser also lists "Chromium". */
const BRANDS: ReadonlyArray<[string, BrowserInfo['family']]> = [
  ['Microsoft Edge', 'edge'],
  ['Opera', 'opera'],
  ['Brave', 'brave'],
  ['Google Chrome', 'chrome'],
  ['Chromium', 'chromium'],
];

/** User agent tokens, most specific first: Edge and Opera also say "Chrome/", Chrome says "Safari/". */
const UA_TOKENS: ReadonlyArray<[RegExp, BrowserInfo['family']]> = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'edge'],
  [/\bOPR\/(\d+)/, 'opera'],
  [/\bFirefox\/(\d+)/, 'firefox'],
  [/\bChromium\/(\d+)/, 'chromium'],
  [/\b(?:Headless)?Chrome\/(\d+)/, 'chrome'],
];

function major(text: string): number | undefined {
  const n = Number.parseInt(text, 10);
  return Number.isInteger(n) && n >= 0 && n <= 9999 ? n : undefined;
}

/** The browser's family and major version; null when neither source names one we know. */
export function browserInfo(userAgent: string, brands: readonly Brand[] | undefined): BrowserInfo | null {
  for (const [name, family] of BRANDS) {
    const hit = brands?.find((b) => b.brand === name);
    const m = hit ? major(hit.version) : undefined;
    if (m !== undefined) return { family, major: m };
  }
  for (const [pattern, family] of UA_TOKENS) {
    const m = pattern.exec(userAgent);
    const n = m ? major(m[1]!) : undefined;
    if (n !== undefined) return { family, major: n };
  }
  return null;
}

const OS: Record<string, OsFamily> = {
  win: 'windows',
  mac: 'mac',
  linux: 'linux',
  android: 'android',
  cros: 'chromeos',
  openbsd: 'bsd',
  ios: 'ios',
};

export function osFamily(platformOs: string): OsFamily {
  return OS[platformOs] ?? 'other';
}

/** The navigator fields read here, as the worker and pages expose them. */
export interface NavigatorLike {
  userAgent: string;
  userAgentData?: { brands?: readonly Brand[] };
}

export async function clientInfo(
  nav: NavigatorLike,
  platformOs: () => Promise<string>,
): Promise<{ browser: BrowserInfo | null; os: OsFamily }> {
  let os: OsFamily = 'other';
  try {
    os = osFamily(await platformOs());
  } catch {
    // No platform info: "other" says as much.
  }
  return { browser: browserInfo(nav.userAgent, nav.userAgentData?.brands), os };
}
