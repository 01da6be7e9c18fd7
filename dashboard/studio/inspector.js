// The journey inspector: a user's profile, recent events and every journey with its timeline
// (entry, what it waits for now, each delivery with every attempt and answer, its end).
import { get, post } from './api.js';
import { $, el, pretty } from './dom.js';
import { confirmAction } from './lifecycle.js';

const when = (date) => (date ? new Date(date).toLocaleString() : '');

/** How each moment of the workflow history reads; "running" again after a wait is left out. */
const MOMENT = {
  step: (id) => `entered step ${id}`,
  event: (name) => `received the event ${name ?? ''}`,
  waiting: () => 'began to wait',
  timer: (end) => `timer set to end ${when(end)}`,
  held: () => 'held (campaign paused, a frequency cap, quiet hours or the send window)',
};

function attemptItem(a) {
  const answer = a.status !== undefined ? `HTTP ${a.status}` : `${a.errorClass ?? 'error'}: ${a.error ?? ''}`;
  return el(
    'li',
    { class: 'attempt' },
    el('span', {}, `Attempt ${a.attempt} at ${when(a.at)}: ${answer} in ${a.latencyMs} ms`),
    a.responseExcerpt && el('pre', { class: 'response-excerpt' }, a.responseExcerpt),
  );
}

function deliveryItem(d) {
  return el(
    'li',
    { class: `timeline-delivery delivery-${d.status}`, 'data-delivery': d.id },
    el('strong', {}, `Webhook ${d.stepId}: ${d.status}`),
    ` (${d.id}, created ${when(d.createdAt)})`,
    d.request &&
      el(
        'details',
        {},
        el('summary', {}, `${d.request.method} ${d.request.url}`),
        el('pre', {}, `${pretty(d.request.headers)}\n\n${d.request.body ?? ''}`),
      ),
    d.error && el('p', { class: 'error' }, d.error),
    el('ol', { class: 'attempts' }, (d.attempts ?? []).map(attemptItem)),
  );
}

async function journeyView(summary, reload) {
  const detail = await get(`/v1/studio/journey?id=${encodeURIComponent(summary.id)}`).catch((err) => ({
    error: err.message,
  }));
  const dated = [
    [
      summary.enteredAt,
      el('li', {}, `${when(summary.enteredAt)}: entered${summary.entries > 1 ? ` (${summary.entries} entries)` : ''}`),
    ],
    ...(detail.moments ?? [])
      .filter((m) => MOMENT[m.kind])
      .map((m) => [m.at, el('li', { class: `moment moment-${m.kind}` }, `${when(m.at)}: ${MOMENT[m.kind](m.detail)}`)]),
    ...(detail.deliveries ?? []).map((d) => [d.createdAt, deliveryItem(d)]),
    summary.endedAt && [summary.endedAt, el('li', {}, `${when(summary.endedAt)}: ended, ${summary.outcome ?? ''}`)],
  ].filter(Boolean);
  const items = dated.sort((a, b) => new Date(a[0]) - new Date(b[0])).map(([, item]) => item);
  if (detail.state) {
    items.push(
      el(
        'li',
        { class: 'timeline-now' },
        `Now at step ${detail.state.currentStep ?? '(starting)'}${detail.state.waitingFor ? `, waiting for ${detail.state.waitingFor}` : ''}; ${detail.state.eventsReceived} events received`,
      ),
    );
  }
  const cancel =
    detail.status === 'RUNNING' &&
    el(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (
            !(await confirmAction(
              `Cancel this journey?`,
              `${summary.id} stops now and sends nothing more.`,
              'Cancel journey',
            ))
          )
            return;
          await post(`/v1/studio/journey/cancel?id=${encodeURIComponent(summary.id)}`);
          await reload();
        },
      },
      'Cancel journey',
    );
  return el(
    'article',
    { class: 'journey', 'data-journey': summary.id },
    el(
      'h3',
      {},
      `${summary.campaignId}: ${summary.status}`,
      detail.status ? ` (workflow ${detail.status.toLowerCase()})` : '',
    ),
    detail.error && el('p', { class: 'error' }, detail.error),
    el('ol', { class: 'timeline' }, items),
    el(
      'div',
      { class: 'buttons' },
      cancel,
      detail.temporalUrl &&
        el(
          'a',
          { href: detail.temporalUrl, target: '_blank', rel: 'noopener', class: 'temporal-link' },
          'Open in the Temporal Web UI',
        ),
    ),
  );
}

export async function inspectUser(userId) {
  const out = $('inspector-result');
  if (!userId) {
    out.replaceChildren(el('p', { class: 'muted' }, 'Type a user id and press Search.'));
    return;
  }
  out.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  let user;
  try {
    user = await get(`/v1/users/${encodeURIComponent(userId)}`);
  } catch (err) {
    out.replaceChildren(
      el(
        'p',
        { class: 'error' },
        err.status === 404
          ? `No profile for "${userId}": check the id, or send an event for this user first.`
          : err.message,
      ),
    );
    return;
  }
  const reload = () => inspectUser(userId);
  const journeys = await Promise.all(user.journeys.map((j) => journeyView(j, reload)));
  out.replaceChildren(
    el(
      'section',
      { class: 'profile' },
      el('h3', {}, `Profile of ${user.id}`),
      el('p', { class: 'muted' }, `First seen ${when(user.firstSeen)}, last seen ${when(user.lastSeen)}`),
      el('pre', {}, pretty(user.properties)),
    ),
    el(
      'section',
      {},
      el('h3', {}, 'Recent events'),
      user.recentEvents.length === 0
        ? el('p', { class: 'muted' }, 'No events stored for this user.')
        : el(
            'table',
            { class: 'events' },
            el(
              'tbody',
              {},
              user.recentEvents.map((e) =>
                el(
                  'tr',
                  {},
                  el('td', {}, when(e.timestamp)),
                  el('td', {}, e.name),
                  el('td', {}, el('code', {}, JSON.stringify(e.properties))),
                ),
              ),
            ),
          ),
    ),
    el(
      'section',
      {},
      el('h3', {}, `Journeys (${user.journeys.length})`),
      journeys.length === 0 ? el('p', { class: 'muted' }, 'This user has entered no journey.') : journeys,
    ),
  );
}
