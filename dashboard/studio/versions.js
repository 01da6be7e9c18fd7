// The versions of a saved campaign, and what changed between two of them (field by field).
import { get } from './api.js';
import { el } from './dom.js';

/** Every leaf of a JSON value by its path: { "steps.0.request.url": "\"http…\"" }. */
function leaves(value, path = '', out = {}) {
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, out);
  } else out[path] = JSON.stringify(value);
  return out;
}

export function diff(before, after) {
  const a = leaves(before);
  const b = leaves(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((path) => a[path] !== b[path])
    .sort()
    .map((path) => ({ path, before: a[path], after: b[path] }));
}

async function definition(id, version) {
  return (await get(`/v1/studio/campaigns/${encodeURIComponent(id)}/versions/${version}`)).definition;
}

export function versionsView(record) {
  const versions = record.versions ?? [];
  const choice = (label, selected) =>
    el(
      'select',
      { 'aria-label': label },
      versions.map((v) => el('option', { value: v.version, selected: v.version === selected }, `v${v.version}`)),
    );
  const from = choice('Compare from version', Math.max(1, record.version - 1));
  const to = choice('Compare to version', record.version);
  const out = el('div', { class: 'diff', 'aria-live': 'polite' });
  const compare = async () => {
    const changes = diff(await definition(record.id, from.value), await definition(record.id, to.value));
    out.replaceChildren(
      changes.length === 0
        ? el('p', { class: 'muted' }, 'No differences.')
        : el(
            'table',
            {},
            el(
              'thead',
              {},
              el('tr', {}, el('th', {}, 'Field'), el('th', {}, `v${from.value}`), el('th', {}, `v${to.value}`)),
            ),
            el(
              'tbody',
              {},
              changes.map((c) =>
                el(
                  'tr',
                  {},
                  el('td', {}, c.path),
                  el('td', { class: 'before' }, c.before ?? '—'),
                  el('td', { class: 'after' }, c.after ?? '—'),
                ),
              ),
            ),
          ),
    );
  };
  return el(
    'details',
    {},
    el('summary', {}, `Versions (${versions.length})`),
    el(
      'ul',
      {},
      versions.map((v) =>
        el(
          'li',
          {},
          `v${v.version}, saved ${new Date(v.createdAt).toLocaleString()}${v.current ? ' (current)' : ''}: ${v.runningJourneys} running journeys`,
        ),
      ),
    ),
    versions.length > 1 &&
      el(
        'div',
        { class: 'row' },
        from,
        to,
        el('button', { type: 'button', onclick: () => void compare() }, 'Show what changed'),
      ),
    out,
  );
}
