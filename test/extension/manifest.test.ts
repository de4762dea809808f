import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync('manifest.json', 'utf8'));

describe('manifest.json', () => {
  it('declares a CSP without upgrade-insecure-requests, which would turn the plaintext leg into TLS in Firefox', () => {
    const csp: string = manifest.content_security_policy.extension_pages;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
  });

  it('asks only for storage and alarms, and for other hosts only when the user adds them', () => {
    expect(manifest.permissions).toEqual(['storage', 'alarms']);
    expect(manifest.optional_host_permissions).toEqual(['http://*/*', 'https://*/*']);
  });

  it('runs one background script as Chrome\'s service worker and as Firefox\'s background script', () => {
    expect(manifest.background.service_worker).toBe('background.js');
    expect(manifest.background.scripts).toEqual(['background.js']);
    expect(manifest.browser_specific_settings.gecko.id).toMatch(/@/);
  });
});
