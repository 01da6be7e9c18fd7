// The campaigns with their state and headline numbers, and the ways to start a new one.
import { get } from './api.js';
import { $, el } from './dom.js';

export async function loadCampaignList() {
  const [{ campaigns }, overview, examples] = await Promise.all([
    get('/v1/campaigns'),
    get('/v1/stats/overview'),
    fetch('examples/index.json').then((r) => r.json()),
  ]);
  const numbers = new Map(overview.campaigns.map((c) => [c.id, c]));
  $('campaign-rows').replaceChildren(
    ...campaigns.map((c) => {
      const n = numbers.get(c.id);
      return el(
        'tr',
        { 'data-campaign': c.id },
        el('td', {}, el('a', { href: `#campaign=${encodeURIComponent(c.id)}` }, `${c.name} (${c.id})`)),
        el('td', {}, el('span', { class: `state state-${c.status}` }, c.status)),
        el('td', { class: 'num' }, `v${c.version}`),
        el('td', { class: 'num' }, String(n?.entered ?? 0)),
        el('td', { class: 'num' }, n?.successRate == null ? '–' : `${(n.successRate * 100).toFixed(1)}%`),
        el('td', { class: 'num' }, String(n?.conversions ?? 0)),
      );
    }),
  );
  $('campaigns-empty').hidden = campaigns.length > 0;
  // The list reloads whenever the view is shown; a choice made meanwhile must survive it.
  const select = $('example');
  const chosen = select.value;
  select.replaceChildren(
    el('option', { value: '' }, 'a blank campaign'),
    ...examples.map((name) => el('option', { value: name, selected: name === chosen }, `the example ${name}`)),
  );
}
