// Destinations: their state, a form to create or edit one (credentials are write-only), the
// signing secret's rotation (the new secret shown once) and the recovery of failed deliveries.
import { get, post, put } from './api.js';
import { numberInput, selectInput, textInput } from './bind.js';
import { $, el } from './dom.js';
import { confirmAction } from './lifecycle.js';
import { clearIssues, showIssues } from './issues.js';

let draft;

function stateText(d) {
  if (d.state === 'disabled') return `disabled: ${d.disabledReason ?? 'after failing too long'}`;
  if (d.state === 'open') return `breaker open after ${d.consecutiveFailures} failures`;
  return d.state ?? 'enabled';
}

function authFields(auth, changed) {
  if (auth.type === 'basic')
    return [
      textInput(auth, 'username', 'Username', 'auth.username', changed),
      textInput(auth, 'password', 'Password', 'auth.password', changed, { type: 'password' }),
    ];
  if (auth.type === 'bearer')
    return [textInput(auth, 'token', 'Bearer token', 'auth.token', changed, { type: 'password' })];
  return [];
}

function renderForm() {
  const { config, auth } = draft;
  const changed = (structural) => structural && renderForm();
  $('destination-form').replaceChildren(
    el(
      'div',
      { class: 'row' },
      draft.isNew
        ? textInput(config, 'id', 'Destination id', 'id', changed, { placeholder: 'sms-gateway' })
        : el('p', {}, 'Id: ', el('code', {}, config.id)),
      textInput(config, 'name', 'Name', 'name', changed),
      textInput(config, 'url', 'Base URL', 'url', changed, { placeholder: 'https://api.example.com' }),
    ),
    el(
      'div',
      { class: 'row' },
      numberInput(config, 'timeoutMs', 'Timeout (ms)', 'timeoutMs', changed),
      numberInput(config, 'rateLimitPerSecond', 'At most per second', 'rateLimitPerSecond', changed),
    ),
    el(
      'fieldset',
      { 'data-path': 'auth' },
      el('legend', {}, 'Authentication (write-only: never shown again)'),
      el(
        'div',
        { class: 'row' },
        selectInput(
          auth,
          'type',
          'Kind',
          [
            ['', draft.isNew ? 'none' : 'keep the current one'],
            ['basic', 'Basic'],
            ['bearer', 'Bearer token'],
          ],
          'auth.type',
          changed,
          { structural: true },
        ),
        ...authFields(auth, changed),
      ),
    ),
  );
  $('destination-editor').hidden = false;
}

const REDACTED = '[redacted]';

/** The stored configuration the form does not edit travels along, so a save keeps it; secret headers cannot. */
function edit(destination, isNew) {
  const {
    id,
    name,
    url,
    timeoutMs,
    rateLimitPerSecond,
    maxConcurrency,
    retryDelays,
    breaker,
    headers = {},
  } = destination;
  const secretHeaders = Object.keys(headers).filter((k) => headers[k] === REDACTED);
  const kept = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== REDACTED));
  draft = {
    config: { id, name, url, timeoutMs, rateLimitPerSecond, maxConcurrency, retryDelays, breaker, headers: kept },
    auth: {},
    isNew,
  };
  $('destination-status').textContent =
    secretHeaders.length === 0
      ? ''
      : `Saving here drops the secret headers ${secretHeaders.join(', ')}: they are never shown, so set them again through PUT /v1/destinations/${id}.`;
  renderForm();
  $('destination-form').querySelector('input')?.focus();
}

async function save() {
  clearIssues($('destination-editor'));
  const { id, ...config } = draft.config;
  const body = { ...config, ...(draft.auth.type && { auth: draft.auth }) };
  try {
    const saved = draft.isNew
      ? await post('/v1/destinations', { id, ...body })
      : await put(`/v1/destinations/${encodeURIComponent(id)}`, body);
    draft.isNew = false;
    $('destination-status').textContent = `Saved ${saved.id}.`;
    if (saved.signingSecret) showSecret(saved.id, saved.signingSecret);
    await loadDestinations();
  } catch (err) {
    const unplaced = showIssues($('destination-editor'), err.issues ?? []);
    $('destination-status').textContent =
      unplaced.length > 0 || !err.issues?.length ? err.message : 'Fix the fields marked above.';
  }
}

function showSecret(id, secret) {
  $('destination-secret').replaceChildren(
    el('p', {}, `The signing secret of ${id}. Copy it now: it is shown only this once.`),
    el('pre', { class: 'secret', tabindex: 0 }, secret),
  );
  $('destination-secret').hidden = false;
  $('destination-secret').querySelector('.secret').focus();
}

async function rotate(d) {
  if (
    !(await confirmAction(
      `Rotate the signing secret of ${d.name}?`,
      'A new secret signs from now on; the old one keeps signing beside it for the grace period, so receivers can switch.',
      'Rotate',
    ))
  )
    return;
  const rotated = await post(`/v1/destinations/${encodeURIComponent(d.id)}/rotate-secret`);
  showSecret(d.id, rotated.signingSecret);
}

async function recover(d, row) {
  const since = row.querySelector('.recover-since').value;
  const until = row.querySelector('.recover-until').value;
  const out = row.querySelector('.recover-result');
  if (!since) {
    out.textContent = 'Give the start of the range first.';
    return;
  }
  try {
    const body = { since: new Date(since).toISOString(), ...(until && { until: new Date(until).toISOString() }) };
    const { redelivering } = await post(`/v1/destinations/${encodeURIComponent(d.id)}/recover`, body);
    out.textContent = `${redelivering} failed deliveries are being sent again.`;
  } catch (err) {
    out.textContent = err.message;
  }
}

function destinationRow(d) {
  const row = el(
    'tr',
    { 'data-destination': d.id },
    el('td', {}, `${d.name} (${d.id})`, el('br'), el('small', {}, d.url)),
    el('td', {}, el('span', { class: `state state-${d.state}` }, stateText(d))),
    el('td', {}, d.signingSecrets.map((s) => s.hint).join(', ')),
  );
  const since = el('input', { type: 'datetime-local', class: 'recover-since', 'aria-label': `Recover ${d.id} from` });
  const until = el('input', { type: 'datetime-local', class: 'recover-until', 'aria-label': `Recover ${d.id} until` });
  row.append(
    el(
      'td',
      { class: 'actions' },
      el('button', { type: 'button', onclick: () => edit(d, false) }, `Edit ${d.id}`),
      el('button', { type: 'button', class: 'rotate', onclick: () => void rotate(d) }, `Rotate secret of ${d.id}`),
      el(
        'div',
        { class: 'recover' },
        since,
        until,
        el('button', { type: 'button', onclick: () => void recover(d, row) }, 'Recover failed'),
        el('span', { class: 'recover-result', role: 'status' }),
      ),
    ),
  );
  return row;
}

export async function loadDestinations() {
  const { destinations } = await get('/v1/destinations');
  $('destination-rows').replaceChildren(...destinations.map(destinationRow));
  $('destinations-empty').hidden = destinations.length > 0;
}

export function setupDestinations() {
  $('new-destination').addEventListener('click', () => edit({ id: '', name: '', url: '' }, true));
  $('destination-save').addEventListener('click', () => void save());
}
