// The background's side of the message API: one handler per command.
import type { EndpointRef } from '../shared/endpoints.js';
import { isListedSniName } from '../../core/sni/names.js';
import { chooseEndpoint } from '../shared/endpoints.js';
import { mayHaveSniZone } from '../shared/sni-zone.js';
import { isCommandMessage, type CommandMessage, type RunState, type SniZoneAnswer } from '../shared/messages.js';
import type { Settings } from '../shared/storage-schema.js';
import type { Store } from '../shared/store.js';
import type { RunController } from './run-controller.js';

export interface CommandDeps {
  controller: RunController;
  store: Store;
  endpoints: (settings: Settings) => EndpointRef[];
  /** The automatic choice, used when nothing is selected (a fresh install). */
  auto?: EndpointRef;
  /** Reads an endpoint's wildcard zone from its /info (background/sni-zone.ts). */
  readSniZone?: (url: string) => Promise<SniZoneAnswer>;
}

async function runTest(message: Extract<CommandMessage, { command: 'runTest' }>, deps: CommandDeps): Promise<RunState> {
  const running = deps.controller.state();
  if (running.status === 'running') return running;
  // Only a listed name (src/core/sni/names.ts): a message is no place for a user's own names.
  if (message.sniName !== undefined && !isListedSniName(message.sniName)) return { status: 'idle', error: 'only a name of the built-in list can be tested by name' };
  const settings = await deps.store.settings();
  const list = deps.endpoints(settings);
  const endpoint =
    deps.auto && message.endpointId === deps.auto.id ? deps.auto : chooseEndpoint(list, message.endpointId ?? settings.selectedEndpointId, deps.auto);
  if (!endpoint) return { status: 'idle', error: 'no endpoint is configured: add one on the options page' };
  if (message.endpointId && endpoint?.id !== message.endpointId) {
    return { status: 'idle', error: `no endpoint has the id ${message.endpointId}` };
  }
  if (message.sniName && !mayHaveSniZone(endpoint)) return { status: 'idle', error: 'a test by name needs one of our endpoints, chosen by name' };
  return deps.controller.start(endpoint, 'manual', settings, message.sniName?.toLowerCase());
}

/** The chosen endpoint's wildcard zone (its /info), for the popup's test by name. */
async function sniZone(message: Extract<CommandMessage, { command: 'sniZone' }>, deps: CommandDeps): Promise<SniZoneAnswer> {
  if (!deps.readSniZone) return { error: 'not available' };
  const settings = await deps.store.settings();
  const endpoint = chooseEndpoint(deps.endpoints(settings), message.endpointId ?? settings.selectedEndpointId, deps.auto);
  if (!endpoint || !mayHaveSniZone(endpoint)) return { error: 'no endpoint of ours is chosen' };
  return deps.readSniZone(endpoint.url);
}

/** Answers a command; undefined for messages that are not commands (broadcasts, others'). */
export function handleCommand(message: unknown, deps: CommandDeps): Promise<RunState | SniZoneAnswer> | undefined {
  if (!isCommandMessage(message)) return undefined;
  switch (message.command) {
    case 'runTest':
      return runTest(message, deps);
    case 'sniZone':
      return sniZone(message, deps);
    case 'cancelTest':
      return Promise.resolve(deps.controller.cancel());
    case 'getState':
      return Promise.resolve(deps.controller.state());
  }
}
