import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allEndpoints,
  autoCandidates,
  autoEndpoint,
  chooseEndpoint,
  customTargetUrl,
  endpointRootUrl,
  originPatterns,
  type EndpointRef,
} from '../../src/extension/shared/endpoints.js';

const A = { id: 'a', name: 'A', url: 'https://a.test/' };
const B = { id: 'b', name: 'B', url: 'https://b.test:8443/' };

describe('endpointRootUrl', () => {
  it('reduces what the user typed to the endpoint root', () => {
    expect(endpointRootUrl('  https://b.test:8443/info?x=1 ')).toBe('https://b.test:8443/');
  });

  it('refuses a scheme that cannot be measured', () => {
    expect(() => endpointRootUrl('ftp://b.test/')).toThrow('ftp: URLs cannot be measured');
  });

  it('refuses text that is not a URL', () => {
    expect(() => endpointRootUrl('b.test')).toThrow('"b.test" is not a URL');
  });

  it('refuses credentials in the URL', () => {
    expect(() => endpointRootUrl('https://me:pw@b.test/')).toThrow('user name or password');
  });
});

describe('originPatterns', () => {
  it('asks for both schemes on every port of the host', () => {
    expect(originPatterns('https://b.test:8443/')).toEqual(['http://b.test/*', 'https://b.test/*']);
  });

  it('keeps an IPv6 literal in brackets', () => {
    expect(originPatterns('https://[::1]:8443/')).toEqual(['http://[::1]/*', 'https://[::1]/*']);
  });
});

describe('chooseEndpoint', () => {
  it('uses the selected endpoint', () => {
    expect(chooseEndpoint([A, B], 'b')).toBe(B);
  });

  it('falls back to the first when the selected one was removed', () => {
    expect(chooseEndpoint([A, B], 'gone')).toBe(A);
  });

  it('has none to offer from an empty list', () => {
    expect(chooseEndpoint([], undefined)).toBeUndefined();
  });
});

describe('allEndpoints', () => {
  it('lists defaults first and a custom endpoint with a default id once', () => {
    expect(allEndpoints([A], [B, { ...A, name: 'dup' }])).toEqual([A, B]);
  });
});

describe('the automatic choice and mirrors', () => {
  const ours = { id: 'ours', name: 'Ours', url: 'https://ours.test/' };
  const mirror = { id: 'm', name: 'M', url: 'https://m.test/f.iso', kind: 'mirror' as const };
  const mlab = { id: 'mlab', name: 'M-Lab', url: 'https://locate.test/', kind: 'mlab' as const };
  const auto = autoEndpoint('Best');

  it('uses the automatic choice when nothing is selected', () => {
    expect(chooseEndpoint([ours, mirror, mlab], undefined, auto)).toBe(auto);
  });

  it('keeps an explicit selection', () => {
    expect(chooseEndpoint([ours, mirror, mlab], 'mlab', auto)).toBe(mlab);
  });

  it('falls back to the first entry when nothing but M-Lab could be chosen automatically', () => {
    expect(chooseEndpoint([mlab], undefined, auto)).toBe(mlab);
  });

  it('offers everything but M-Lab to the automatic choice', () => {
    expect(autoCandidates([ours, mirror, mlab, auto])).toEqual([ours, mirror]);
  });

  it('reads a root URL as an endpoint and a URL with a path as a mirror', () => {
    expect(customTargetUrl(' https://ep.example:8443 ')).toEqual({ kind: 'http', url: 'https://ep.example:8443/' });
    expect(customTargetUrl('http://mirror.example/debian/big.iso#x')).toEqual({ kind: 'mirror', url: 'http://mirror.example/debian/big.iso' });
    expect(() => customTargetUrl('ftp://mirror.example/f')).toThrow(/cannot be measured/);
  });
});

describe('the default list in config/endpoints.json', () => {
  const config = JSON.parse(readFileSync('config/endpoints.json', 'utf8')) as { endpoints: EndpointRef[] };

  it('names the source of every mirror, and each names a file', () => {
    const mirrors = config.endpoints.filter((e) => e.kind === 'mirror');
    expect(mirrors.length).toBeGreaterThan(0);
    for (const m of mirrors) {
      expect(m.source, m.id).toMatch(/^https?:\/\//);
      expect(new URL(m.url).pathname, m.id).not.toBe('/');
    }
  });

  it('uses ids a report may carry, once each', () => {
    const ids = config.endpoints.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
  });
});
