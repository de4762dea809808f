// The User-Agent we send to servers that are not ours, so an operator who sees our requests
// in a log can find out what they are (RFC 9110 sec. 10.1.5: the product, and a comment such
// as a URL to learn about it). The Fetch standard no longer forbids setting it
// (github.com/whatwg/fetch/issues/37) and Firefox sends it since version 43, but Chrome still
// drops it silently from a fetch's headers (Chromium bug 571722): the CLI and the extension in
// Firefox send it, the extension in Chrome sends Chrome's own.

export const PRODUCT = 'tls-throttle-detector';

export function politeUserAgent(version: string, homePage?: string): string {
  return `${PRODUCT}/${version}${homePage ? ` (+${homePage})` : ''}`;
}
