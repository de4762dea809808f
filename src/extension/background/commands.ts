// The background's side of the message API: one handler per command.
import type { EndpointRef } from '../shared/endpoints.js';
import { chooseEndpoint } from '../shared/endpoints.js';
import { isCommandMessage, type CommandMessage, type RunState } from '../shared/messages.js';
import type { Settings } from '../shared/storage-schema.js';
import type { Store } from '../shared/store.js';
import type { RunController } from './run-controller.js';

export interface CommandDeps {
  controller: RunController;
  store: Store;
  endpoints: (settings: Settings) => EndpointRef[];
  /** The automatic choice, used when nothing is selected (a fresh install). */
  auto?: EndpointRef;
}

async function runTest(message: Extract<CommandMessage, { command: 'runTest' }>, deps: CommandDeps): Promise<RunState> {
  const running = deps.controller.state();
  if (running.status === 'running') return running;
  const settings = await deps.store.settings();
  const list = deps.endpoints(settings);
  const endpoint =
    deps.auto && message.endpointId === deps.auto.id ? deps.auto : chooseEndpoint(list, message.endpointId ?? settings.selectedEndpointId, deps.auto);
  if (!endpoint) return { status: 'idle', error: 'no endpoint is configured: add one on the options page' };
  if (message.endpointId && endpoint?.id !== message.endpointId) {
    return { status: 'idle', error: `no endpoint has the id ${message.endpointId}` };
  }
  return deps.controller.start(endpoint, 'manual', settings);
}

/** Answers a command; undefined for messages that are not commands (broadcasts, others'). */
export function handleCommand(message: unknown, deps: CommandDeps): Promise<RunState> | undefined {
  if (!isCommandMessage(message)) return undefined;
  switch (message.command) {
    case 'runTest':
      return runTest(message, deps);
    case 'cancelTest':
      return Promise.resolve(deps.controller.cancel());
    case 'getState':
      return Promise.resolve(deps.controller.state());
  }
}
