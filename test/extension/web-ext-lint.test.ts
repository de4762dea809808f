// Mozilla's linter over the built extension: what addons.mozilla.org would run on upload.
// Warnings are allowed (Firefox ignores background.service_worker, which Chrome needs); errors
// are not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const built = existsSync('dist/extension/manifest.json');

describe.skipIf(!built)('web-ext lint on dist/extension', () => {
  it('finds no errors', () => {
    let out: string;
    try {
      out = execFileSync('node_modules/.bin/web-ext', ['lint', '--source-dir', 'dist/extension', '--output', 'json'], { encoding: 'utf8' });
    } catch (err) {
      // web-ext exits non-zero when it finds errors; its report is still on stdout.
      out = (err as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(out) as { errors: { code: string; message: string }[] };
    expect(report.errors.map((e) => `${e.code}: ${e.message}`)).toEqual([]);
  }, 60_000);
});
