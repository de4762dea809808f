import type { RouteHandler } from '../http-util.js';
export async function startCollector(_opts: { dataDir: string; log: (l: string) => void }): Promise<{ route: RouteHandler; close(): Promise<void> }> {
  throw new Error('the collector is not part of this build yet');
}
