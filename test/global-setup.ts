// The CLI and extension tests run what users run: the built dist/. Build it once per test run.
import { build } from '../build.mjs';

export default async function setup(): Promise<void> {
  if (process.env.TTD_SKIP_BUILD) return;
  await build();
}
