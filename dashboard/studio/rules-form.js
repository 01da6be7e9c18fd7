// The campaign's rules as form fields: re-entry, goal, exit events, time zone, caps, quiet
// hours and the send window. Optional objects exist in the document only while they hold a value.
import { checkbox, numberInput, selectInput, textInput } from './bind.js';
import { el } from './dom.js';

const REENTRY = [
  ['afterCompletion', 'after the last journey ended'],
  ['once', 'once ever'],
  ['restart', 'restart a running journey'],
  ['parallel', 'in parallel, one per key'],
];
const ON_CAPPED = [
  ['', 'skip the webhook (default)'],
  ['wait', 'wait for a free slot'],
  ['exit', 'end the journey'],
];

/** A draft of doc[key] that is written back only when it holds something. */
function optional(doc, key, changed) {
  const draft = structuredClone(doc[key] ?? {});
  const write = (structural) => {
    if (Object.keys(draft).length === 0) delete doc[key];
    else doc[key] = draft;
    changed(structural);
  };
  return [draft, write];
}

const list = (text) =>
  text.trim() === ''
    ? undefined
    : text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
const listText = (value) => (value ?? []).join(', ');

function reentryFields(doc, changed) {
  doc.reentry ??= { mode: 'afterCompletion' };
  const onMode = () => {
    doc.reentry = { mode: doc.reentry.mode };
    changed(true);
  };
  return el(
    'div',
    { class: 'row' },
    selectInput(doc.reentry, 'mode', 'A user may enter again', REENTRY, 'reentry.mode', onMode),
    doc.reentry.mode === 'afterCompletion' &&
      textInput(doc.reentry, 'cooldown', 'Cooldown', 'reentry.cooldown', changed, { placeholder: '7d' }),
    doc.reentry.mode === 'parallel' &&
      textInput(doc.reentry, 'key', 'Key', 'reentry.key', changed, { placeholder: 'event.properties.orderId' }),
  );
}

function goalFields(doc, changed) {
  const [goal, write] = optional(doc, 'goal', changed);
  return el(
    'div',
    { class: 'row' },
    textInput(goal, 'event', 'Goal event', 'goal.event', write, { placeholder: 'purchase' }),
    textInput(goal, 'within', 'Within', 'goal.within', write, { placeholder: '7d' }),
    checkbox(goal, 'exit', 'Reaching it ends the journey', 'goal.exit', write, true),
  );
}

function exitOnFields(doc, changed) {
  const box = el('fieldset', { 'data-path': 'exitOn' }, el('legend', {}, 'Events that end a journey at once'));
  doc.exitOn ??= [];
  doc.exitOn.forEach((filter, i) => {
    const remove = el(
      'button',
      { type: 'button', class: 'link', onclick: () => (doc.exitOn.splice(i, 1), changed(true)) },
      'Remove',
    );
    box.append(
      el(
        'div',
        { class: 'row' },
        textInput(filter, 'event', `Exit event ${i + 1}`, `exitOn.${i}.event`, changed),
        remove,
      ),
    );
  });
  box.append(
    el('button', { type: 'button', onclick: () => (doc.exitOn.push({ event: '' }), changed(true)) }, 'Add exit event'),
  );
  return box;
}

function capsFields(doc, changed) {
  const box = el('fieldset', { 'data-path': 'caps' }, el('legend', {}, 'Frequency caps'));
  const write = (structural) => {
    if (doc.caps?.length === 0) delete doc.caps;
    changed(structural);
  };
  (doc.caps ?? []).forEach((cap, i) => {
    const remove = el(
      'button',
      { type: 'button', class: 'link', onclick: () => (doc.caps.splice(i, 1), write(true)) },
      'Remove',
    );
    box.append(
      el(
        'div',
        { class: 'row' },
        numberInput(cap, 'max', 'At most', `caps.${i}.max`, write),
        textInput(cap, 'window', 'webhooks per', `caps.${i}.window`, write, { placeholder: '24h' }),
        textInput(cap, 'tag', 'Counting tag', `caps.${i}.tag`, write, { placeholder: 'channel:sms' }),
        remove,
      ),
    );
  });
  box.append(
    el(
      'button',
      { type: 'button', onclick: () => ((doc.caps ??= []).push({ max: 1, window: '24h' }), changed(true)) },
      'Add cap',
    ),
  );
  return box;
}

function timeFields(doc, changed) {
  const [quiet, writeQuiet] = optional(doc, 'quietHours', changed);
  const [sendWindow, writeWindow] = optional(doc, 'sendWindow', changed);
  doc.timeZone ??= { property: 'timeZone' };
  return [
    el(
      'div',
      { class: 'row' },
      textInput(doc.timeZone, 'property', 'Time zone from profile property', 'timeZone.property', changed),
      textInput(doc.timeZone, 'default', 'else time zone', 'timeZone.default', changed, { placeholder: 'Asia/Seoul' }),
    ),
    el(
      'div',
      { class: 'row' },
      textInput(quiet, 'start', 'Quiet hours from', 'quietHours.start', writeQuiet, { placeholder: '21:00' }),
      textInput(quiet, 'end', 'until', 'quietHours.end', writeQuiet, { placeholder: '08:00' }),
    ),
    el(
      'div',
      { class: 'row' },
      textInput(sendWindow, 'weekdays', 'Send on weekdays', 'sendWindow.weekdays', writeWindow, {
        cast: list,
        show: listText,
        placeholder: 'mon, tue, wed',
      }),
      textInput(sendWindow, 'start', 'between', 'sendWindow.start', writeWindow, { placeholder: '09:00' }),
      textInput(sendWindow, 'end', 'and', 'sendWindow.end', writeWindow, { placeholder: '18:00' }),
    ),
  ];
}

export function rulesForm(doc, changed) {
  return el(
    'fieldset',
    { class: 'rules' },
    el('legend', {}, 'Rules'),
    reentryFields(doc, changed),
    goalFields(doc, changed),
    exitOnFields(doc, changed),
    ...timeFields(doc, changed),
    capsFields(doc, changed),
    el(
      'div',
      { class: 'row' },
      textInput(doc, 'tags', 'Tags', 'tags', changed, { cast: list, show: listText, placeholder: 'channel:sms' }),
      selectInput(doc, 'onCapped', 'A capped webhook', ON_CAPPED, 'onCapped', changed),
      checkbox(doc, 'capExempt', 'Transactional (not capped)', 'capExempt', changed, false),
    ),
  );
}
