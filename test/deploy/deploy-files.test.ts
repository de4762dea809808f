// The deployment files are checked by linters in every run: dockerfile-utils (the validator
// behind VS Code's Dockerfile support) for deploy/Containerfile, `systemd-analyze verify` for
// deploy/tls-throttle.service. The container is built by hand with buildah (README, "Run your
// own endpoint"): a build needs a Node base image from a registry CI cannot reach.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

async function verifyUnit(text: string): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ttd-unit-'));
  const path = join(dir, 'tls-throttle.service');
  await writeFile(path, text);
  try {
    const { stdout, stderr } = await exec(SYSTEMD_ANALYZE, ['verify', path]);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The unit's settings of the [Service] section, key to values in order. */
function serviceSettings(text: string): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe('deploy/Containerfile', async () => {
  const text = await readFile('deploy/Containerfile', 'utf8');
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));

  it('passes the Dockerfile validator with no diagnostics', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the validator does flag a broken file (the check can fail)', () => {
    expect(validate(text.replace(/^EXPOSE 80 443$/m, 'EXPOSE http')).length).toBeGreaterThan(0);
  });

  it('runs as a user other than root, keeps its data in a volume and checks /info', () => {
    const user = /^USER (\S+)$/m.exec(finalStage)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(finalStage).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(finalStage).toMatch(/TTD_DATA_DIR=\/data/);
    expect(finalStage).toMatch(/^HEALTHCHECK .*\n?.*\/info/m);
    expect(finalStage).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/cli\.js", "serve"\]$/m);
  });
});

describe.skipIf(!existsSync(SYSTEMD_ANALYZE))('deploy/tls-throttle.service', async () => {
  const text = await readFile('deploy/tls-throttle.service', 'utf8');
  const s = serviceSettings(text);

  it('passes systemd-analyze verify with no warnings', async () => {
    expect(await verifyUnit(text)).toEqual({ code: 0, output: '' });
  });

  it('systemd-analyze verify does flag a misspelt setting (the check can fail)', async () => {
    const r = await verifyUnit(text.replace('ProtectSystem=strict', 'ProtectSystm=strict'));
    expect(r.output).toMatch(/Unknown key.*'ProtectSystm'/);
  });

  it('runs as a dynamic user with a state directory and the port capability alone', () => {
    expect(s.get('DynamicUser')).toEqual(['yes']);
    expect(s.get('StateDirectory')).toEqual(['tls-throttle']);
    expect(s.get('AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(s.get('CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(s.get('User')).toBeUndefined();
  });

  it('carries the usual hardening', () => {
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['RestrictSUIDSGID', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectControlGroups', 'yes'],
    ]) expect(s.get(key!), key).toEqual([value]);
    expect(s.get('ExecStart')![0]).toMatch(/dist\/cli\.js serve --ports 80,443/);
  });
});

if (!existsSync(SYSTEMD_ANALYZE)) console.warn('Skipping the systemd unit checks: systemd-analyze is missing (apt-get install systemd)');
