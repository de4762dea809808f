// What the popup offers when a test could not measure (the newest result failed, or a run
// would not start): the next step in place, never a dead end. Another server from the build's
// list or the user's, M-Lab with its consent text right there (nothing runs against M-Lab
// until it is accepted), or a link to add an endpoint or a mirror of one's own.
import { MLAB_PRIVACY_URL } from '../../core/ndt7/disclosure.js';
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import { AUTO_ENDPOINT_ID, type EndpointRef } from '../shared/endpoints.js';

export interface NextStepsModel {
  /** Servers the user may pick instead (the automatic choice first), M-Lab excluded. */
  servers: EndpointRef[];
  /** The build's M-Lab entry, when it offers one. */
  mlab?: EndpointRef;
  mlabConsent: boolean;
  /** The server the failed run was on, so the list starts at another one. */
  failedId?: string;
}

export interface NextStepsActions {
  runWith: (endpointId: string) => void;
  /** Called in the click's handler, before any await: the permission request needs the gesture. */
  acceptMlabAndRun: () => void;
  openOptions: () => void;
}

export function renderNextSteps(box: HTMLElement, model: NextStepsModel, actions: NextStepsActions, t: Translate): void {
  const parts: HTMLElement[] = [el('h3', {}, t('nextStepsHeading'))];
  const others = model.servers.filter((s) => s.id !== model.failedId);
  if (others.length) {
    const select = el(
      'select',
      { id: 'next-server', 'aria-label': t('nextServerLabel') },
      ...others.map((s) => el('option', { value: s.id }, s.id === AUTO_ENDPOINT_ID ? s.name : `${s.name} (${new URL(s.url).host})`)),
    );
    const run = el('button', { type: 'button', id: 'run-next-server' }, t('runWithServer'));
    run.addEventListener('click', () => actions.runWith(select.value));
    parts.push(el('p', {}, t('nextStepOtherServer')), el('div', { class: 'actions' }, select, run));
  }
  if (model.mlab) {
    const mlabId = model.mlab.id;
    if (model.mlabConsent) {
      const run = el('button', { type: 'button', id: 'run-mlab' }, t('runWithMlab'));
      run.addEventListener('click', () => actions.runWith(mlabId));
      parts.push(el('p', {}, t('nextStepMlabReady')), el('div', { class: 'actions' }, run));
    } else {
      const accept = el('button', { type: 'button', id: 'accept-mlab' }, t('acceptMlabAndRun'));
      accept.addEventListener('click', () => actions.acceptMlabAndRun());
      parts.push(
        el('p', { id: 'mlab-consent-inline' }, t('mlabConsentText')),
        el('p', {}, el('a', { href: MLAB_PRIVACY_URL, target: '_blank', rel: 'noopener noreferrer' }, t('mlabPrivacyLink'))),
        el('div', { class: 'actions' }, accept),
      );
    }
  }
  const add = el('button', { type: 'button', class: 'link', id: 'add-own-server' }, t('addOwnServer'));
  add.addEventListener('click', () => actions.openOptions());
  parts.push(el('p', {}, add));
  box.replaceChildren(...parts);
  box.hidden = false;
}
