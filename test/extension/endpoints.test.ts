import { describe, expect, it } from 'vitest';
import { allEndpoints, chooseEndpoint, endpointRootUrl, originPatterns } from '../../src/extension/shared/endpoints.js';

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
