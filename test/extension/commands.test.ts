import { describe, expect, it } from 'vitest';
import type { RunDeps } from '../../src/core/runner.js';
import { handleCommand } from '../../src/extension/background/commands.js';
import { RunController } from '../../src/extension/background/run-controller.js';
import { isCommandMessage } from '../../src/extension/shared/messages.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';

const ENDPOINT = { id: 'default', name: 'Endpoint', url: 'https://endpoint.test/' };

function setup(endpoints = [ENDPOINT]) {
  const store = new Store(new FakeStorage());
  const controller = new RunController({
    measure: () => new Promise(() => undefined),
    store,
    runDeps: () => ({}) as RunDeps,
    broadcast: () => undefined,
    keepAlive: () => () => undefined,
    now: () => 0,
    newId: () => 'run-1',
  });
  return { deps: { controller, store, endpoints: () => endpoints }, controller };
}

describe('handleCommand', () => {
  it('leaves messages that are not commands to other listeners', () => {
    const { deps } = setup();
    expect(handleCommand({ event: 'state' }, deps)).toBeUndefined();
    expect(handleCommand('runTest', deps)).toBeUndefined();
  });

  it('starts a run on runTest and reports it on getState', async () => {
    const { deps } = setup();
    const started = await handleCommand({ command: 'runTest' }, deps);
    expect(started).toMatchObject({ status: 'running', runId: 'run-1', endpoint: ENDPOINT, trigger: 'manual' });
    expect(await handleCommand({ command: 'getState' }, deps)).toMatchObject({ status: 'running', runId: 'run-1' });
  });

  it('answers runTest with the reason when no endpoint is configured', async () => {
    const { deps } = setup([]);
    expect(await handleCommand({ command: 'runTest' }, deps)).toEqual({
      status: 'idle',
      error: 'no endpoint is configured: add one on the options page',
    });
  });

  it('refuses an endpoint id it does not know instead of measuring another', async () => {
    const { deps } = setup();
    expect(await handleCommand({ command: 'runTest', endpointId: 'nope' }, deps)).toEqual({
      status: 'idle',
      error: 'no endpoint has the id nope',
    });
  });
});

describe('isCommandMessage', () => {
  it('accepts the three commands only', () => {
    expect(isCommandMessage({ command: 'cancelTest' })).toBe(true);
    expect(isCommandMessage({ command: 'deleteHistory' })).toBe(false);
    expect(isCommandMessage(null)).toBe(false);
  });

  it('rejects a runTest whose endpoint id is not a string', () => {
    expect(isCommandMessage({ command: 'runTest', endpointId: 3 })).toBe(false);
    expect(isCommandMessage({ command: 'runTest', sniName: ['twitter.com'] })).toBe(false);
  });
});

describe('handleCommand, the test by name', () => {
  const MLAB = { id: 'mlab', name: 'M-Lab', url: 'https://locate.test/', kind: 'mlab' as const };

  it('starts a run carrying a listed name, lower-cased, on an endpoint of ours', async () => {
    const { deps } = setup();
    expect(await handleCommand({ command: 'runTest', sniName: 'Twitter.com' }, deps)).toMatchObject({ status: 'running', sniName: 'twitter.com', endpoint: ENDPOINT });
  });

  it('refuses a name that is not on the built-in list, and an endpoint that cannot have a zone', async () => {
    const { deps } = setup([ENDPOINT, MLAB]);
    expect(await handleCommand({ command: 'runTest', sniName: 'my-own.example' }, deps)).toMatchObject({ status: 'idle', error: expect.stringMatching(/built-in list/) });
    expect(await handleCommand({ command: 'runTest', endpointId: 'mlab', sniName: 'twitter.com' }, deps)).toMatchObject({ status: 'idle', error: expect.stringMatching(/one of our endpoints/) });
  });

  it('reads the zone of the chosen endpoint only, and none of M-Lab', async () => {
    const { deps } = setup([ENDPOINT, MLAB]);
    const asked: string[] = [];
    const readSniZone = async (url: string) => (asked.push(url), { zone: 'sni.endpoint.test' });
    expect(await handleCommand({ command: 'sniZone', endpointId: 'default' }, { ...deps, readSniZone })).toEqual({ zone: 'sni.endpoint.test' });
    expect(await handleCommand({ command: 'sniZone', endpointId: 'mlab' }, { ...deps, readSniZone })).toEqual({ error: 'no endpoint of ours is chosen' });
    expect(asked).toEqual(['https://endpoint.test/']);
  });
});


describe('handleCommand with the automatic choice', () => {
  const AUTO = { id: 'auto', name: 'Best usable server', url: 'auto:', kind: 'auto' as const };

  it('starts the automatic choice when nothing is selected', async () => {
    const { deps } = setup();
    const started = await handleCommand({ command: 'runTest' }, { ...deps, auto: AUTO });
    expect(started).toMatchObject({ status: 'running', endpoint: AUTO });
  });

  it('measures a server named in the command instead, as the popup\'s next steps ask', async () => {
    const { deps } = setup();
    const started = await handleCommand({ command: 'runTest', endpointId: 'default' }, { ...deps, auto: AUTO });
    expect(started).toMatchObject({ status: 'running', endpoint: ENDPOINT });
  });

  it('starts the automatic choice when the command names it', async () => {
    const { deps, controller } = setup();
    await deps.store.saveSettings({ selectedEndpointId: 'default' });
    const started = await handleCommand({ command: 'runTest', endpointId: 'auto' }, { ...deps, auto: AUTO });
    expect(started).toMatchObject({ status: 'running', endpoint: AUTO });
    controller.cancel();
  });
});
