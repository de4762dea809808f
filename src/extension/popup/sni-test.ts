// The popup's test by name (src/core/sni/zone-runner.ts). Closed by default; opened, it asks
// the background for the chosen endpoint's wildcard zone (its /info), then shows, above the
// button, what this test can and cannot show and a consent box: the ISP sees the name. The
// click asks for the host permission of the zone's subdomains first, while its user activation
// lasts (MDN, "permissions.request()"), the same way the options page asks for an endpoint's
// host (options/endpoints-section.ts); the run starts only when it is granted.
import { LISTED_SNI_NAMES } from '../../core/sni/names.js';
import { zoneLabelFor } from '../../core/sni/zone-names.js';
import type { PermissionsPort, Translate } from '../platform/ports.js';
import { byId, el, isolate } from '../shared/dom.js';
import type { EndpointRef } from '../shared/endpoints.js';
import type { SniZoneAnswer } from '../shared/messages.js';
import { mayHaveSniZone, zonePermissionPatterns } from '../shared/sni-zone.js';

export interface SniTestDeps {
  t: Translate;
  permissions: PermissionsPort;
  askZone: (endpointId: string) => Promise<SniZoneAnswer>;
  run: (endpointId: string, sniName: string) => void;
  showError: (message: string) => void;
}

/** The name offered first: the 2024 shaping matched it (sni/names.ts). */
const FIRST_NAME = 'redirector.googlevideo.com';

export function sniTest(deps: SniTestDeps) {
  const { t } = deps;
  const box = byId<HTMLDetailsElement>('sni-test');
  const status = byId('sni-status');
  const form = byId('sni-form');
  const select = byId<HTMLSelectElement>('sni-name');
  const can = byId('sni-can');
  const cannot = byId('sni-cannot');
  const accept = byId<HTMLInputElement>('sni-accept');
  const acceptText = byId('sni-accept-text');
  const button = byId<HTMLButtonElement>('sni-run');
  let endpoint: EndpointRef | undefined;
  let zone: string | undefined;
  let busy = false;
  let asked: string | undefined;

  const names = [FIRST_NAME, ...LISTED_SNI_NAMES.filter((n) => n !== FIRST_NAME)];
  select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));

  const renderButton = () => {
    button.disabled = busy || !zone || !accept.checked;
  };

  const renderWords = () => {
    if (!zone) return;
    const name = select.value;
    // The same name the run will send (zone-names.ts); the control's letters are drawn then.
    const label = zoneLabelFor(name);
    const sent = label ? `${label}.${zone}` : name;
    can.textContent = t('sniCanShow', [isolate(sent)]);
    cannot.textContent = t('sniCannotShow', [isolate(name)]);
    acceptText.textContent = t('sniRiskAccept', [isolate(sent)]);
  };

  const learnZone = async () => {
    if (!endpoint || asked === endpoint.id) return;
    const id = endpoint.id;
    asked = id;
    zone = undefined;
    form.hidden = true;
    status.hidden = false;
    status.textContent = t('sniChecking');
    const answer = await deps.askZone(id).catch((err: unknown) => ({ error: String(err) }));
    if (endpoint?.id !== id) return;
    if ('zone' in answer) {
      zone = answer.zone;
      status.hidden = true;
      form.hidden = false;
      renderWords();
    } else {
      status.textContent = t('sniNoZone');
    }
    renderButton();
  };

  box.addEventListener('toggle', () => {
    if (box.open) void learnZone();
  });
  select.addEventListener('change', renderWords);
  accept.addEventListener('change', renderButton);
  button.addEventListener('click', () => {
    if (!endpoint || !zone || !accept.checked) return;
    const patterns = zonePermissionPatterns(zone);
    // First thing in the click, before any await.
    const granted = deps.permissions.request(patterns);
    const { id } = endpoint;
    const name = select.value;
    const shownZone = zone;
    void granted
      .catch(() => false)
      .then((ok) => {
        if (ok) deps.run(id, name);
        else deps.showError(t('sniPermissionDenied', [isolate(shownZone)]));
      });
  });

  return {
    /** The endpoint the popup would run on; the box shows only for one of ours. */
    setEndpoint(e: EndpointRef | undefined) {
      const changed = e?.id !== endpoint?.id;
      endpoint = e;
      box.hidden = !mayHaveSniZone(e);
      if (changed) {
        asked = undefined;
        zone = undefined;
        form.hidden = true;
        if (box.open) void learnZone();
      }
      renderButton();
    },
    setRunning(running: boolean) {
      busy = running;
      renderButton();
    },
  };
}
