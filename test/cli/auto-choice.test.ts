import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runAuto, serverList } from '../../src/cli/auto-choice.js';
import { parseCli } from '../../src/cli/args.js';
import { CLI_USER_AGENT, nodeFetch, type NodeIo } from '../../src/cli/node-io.js';
import { MIN_MIRROR_FILE_BYTES } from '../../src/core/mirror/check.js';
import { fakeMirror } from '../support/fake-mirror.js';
import { sampleResult } from '../extension/sample-result.js';
import type { Note } from '../../src/core/notes.js';
import { noteText } from '../../src/cli/note-text.js';

/** The notes as the CLI words them. */
const said = (notes: Note[]) => notes.map(noteText);


describe('run auto', () => {
  it('parses run auto with a server list, and refuses --servers elsewhere', () => {
    expect(parseCli(['run', 'auto', '--servers', 'list.json'])).toMatchObject({ url: 'auto', servers: 'list.json' });
    expect(() => parseCli(['run', 'https://e.test/', '--servers', 'x'])).toThrow(/--servers goes with run auto/);
  });

  it('reads a server list in config/endpoints.json\'s format, leaving M-Lab out', async () => {
    const list = await serverList('config/endpoints.json');
    expect(list.some((c) => c.kind === 'mirror')).toBe(true);
    expect(list.find((c) => c.id === 'mlab')).toBeUndefined();
    expect(list.find((c) => c.id === 'local-dev')).toMatchObject({ kind: 'endpoint' });
  });

  it('refuses a mirror whose schemes reach different addresses, naming both, and uses the next', async () => {
    const m = fakeMirror({ fileBytes: MIN_MIRROR_FILE_BYTES + 1 });
    const addresses: Record<string, string> = { 'http://split.test': '198.51.100.7', 'https://split.test': '203.0.113.9' };
    const io: Pick<NodeIo, 'fetch' | 'remoteAddressOf'> = { fetch: m.fetch, remoteAddressOf: (o) => addresses[o] ?? '192.0.2.1' };
    const measured: string[] = [];
    const lines: string[] = [];
    const r = await runAuto(
      io,
      [
        { id: 'split', kind: 'mirror', url: 'https://split.test/f.iso' },
        { id: 'whole', kind: 'mirror', url: 'https://whole.test/f.iso' },
      ],
      async (url) => (measured.push(url), sampleResult({ endpoint: url, bytesUsed: 1000 })),
      60e6,
      (l) => void lines.push(l),
    );
    expect(measured).toEqual(['https://whole.test/f.iso']);
    expect(said(r.warnings)[0]).toMatch(/^server: whole .*same server address on both schemes \(192.0.2.1\)/);
    expect(said(r.warnings).some((w) => /split .*reach different servers: http 198.51.100.7, https 203.0.113.9/.test(w))).toBe(true);
    expect(lines[0]).toMatch(/^split: the schemes reach different servers/);
  });
});

describe('the CLI\'s fetch', () => {
  it('names the project in its User-Agent and tells which address a connection reached', async () => {
    let seen: IncomingHttpHeaders = {};
    const server = createServer((req, res) => ((seen = req.headers), res.end('ok')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const io = nodeFetch({});
    try {
      const res = await io.fetch(`http://127.0.0.1:${port}/x`, { method: 'GET' });
      await res.text();
      expect(seen['user-agent']).toBe(CLI_USER_AGENT);
      expect(CLI_USER_AGENT).toMatch(/^tls-throttle-detector\//);
      expect(io.remoteAddressOf(`http://127.0.0.1:${port}`)).toBe('127.0.0.1');
    } finally {
      await io.close();
      server.close();
    }
  });
});
