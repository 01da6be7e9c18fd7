// The steps of a campaign as forms: one fieldset per step with the fields of its type, and
// buttons to add, move and remove steps. Webhook steps get the request composer.
import { selectInput, textInput } from './bind.js';
import { webhookComposer } from './composer.js';
import { conditionEditor } from './condition-editor.js';
import { el } from './dom.js';

const TYPES = [
  ['webhook', 'Webhook'],
  ['delay', 'Delay'],
  ['waitForEvent', 'Wait for an event'],
  ['branch', 'Branch'],
  ['exit', 'Exit'],
];

const BLANK = {
  webhook: (id) => ({ id, type: 'webhook', request: { method: 'POST', url: '' } }),
  delay: (id) => ({ id, type: 'delay', duration: '1h' }),
  waitForEvent: (id) => ({ id, type: 'waitForEvent', event: '', timeout: '1d' }),
  branch: (id, ctx) => ({
    id,
    type: 'branch',
    cases: [{ when: { field: 'user.properties.tier', op: 'eq', value: 'gold' }, next: ctx.doc.steps[0]?.id ?? id }],
  }),
  exit: (id) => ({ id, type: 'exit' }),
};

const DELAY_KINDS = [
  ['duration', 'for a duration'],
  ['until', 'until a local time of day'],
  ['untilField', 'until a date in a property'],
];

function delayFields(ctx, step, path) {
  const kind = DELAY_KINDS.map(([k]) => k).find((k) => step[k] !== undefined) ?? 'duration';
  const holder = { kind };
  const onKind = () => {
    for (const [k] of DELAY_KINDS) delete step[k];
    delete step.weekdays;
    delete step.offset;
    step[holder.kind] =
      holder.kind === 'duration' ? '1h' : holder.kind === 'until' ? '09:00' : 'user.properties.renewalDate';
    ctx.changed(true);
  };
  const placeholder = { duration: '2h', until: '09:00', untilField: 'user.properties.renewalDate' }[kind];
  return [
    selectInput(holder, 'kind', 'Wait', DELAY_KINDS, `${path}.kind`, onKind),
    textInput(step, kind, 'Value', `${path}.${kind}`, ctx.changed, { placeholder }),
    kind === 'untilField' && textInput(step, 'offset', 'Offset', `${path}.offset`, ctx.changed, { placeholder: '-1d' }),
  ];
}

function waitFields(ctx, step, path) {
  return [
    el(
      'div',
      { class: 'row' },
      textInput(step, 'event', 'Event', `${path}.event`, ctx.changed, { structural: true }),
      textInput(step, 'timeout', 'Timeout', `${path}.timeout`, ctx.changed, { placeholder: '3d' }),
      selectInput(step, 'onEvent', 'When it comes, go to', ctx.targetChoices(step), `${path}.onEvent`, ctx.changed, {
        structural: true,
      }),
      selectInput(step, 'onTimeout', 'On timeout, go to', ctx.targetChoices(step), `${path}.onTimeout`, ctx.changed, {
        structural: true,
      }),
    ),
    conditionEditor({
      value: step.where,
      basePath: `${path}.where`,
      label: 'Awaited event filter',
      options: ctx.conditionOptions,
      onChange: (c) => setOrDelete(step, 'where', c, ctx),
    }),
  ];
}

function branchFields(ctx, step, path) {
  step.cases ??= [];
  return [
    ...step.cases.map((c, j) =>
      el(
        'div',
        { class: 'case' },
        conditionEditor({
          value: c.when,
          basePath: `${path}.cases.${j}.when`,
          label: `Case ${j + 1}`,
          options: ctx.conditionOptions,
          onChange: (w) => ((c.when = w), ctx.changed()),
        }),
        selectInput(c, 'next', `Case ${j + 1} goes to`, ctx.stepChoices(step), `${path}.cases.${j}.next`, ctx.changed, {
          structural: true,
        }),
        el(
          'button',
          { type: 'button', class: 'link', onclick: () => (step.cases.splice(j, 1), ctx.changed(true)) },
          `Remove case ${j + 1}`,
        ),
      ),
    ),
    el(
      'button',
      {
        type: 'button',
        onclick: () => (
          step.cases.push({ when: { field: '', op: 'eq', value: '' }, next: step.id }),
          ctx.changed(true)
        ),
      },
      'Add case',
    ),
    selectInput(step, 'default', 'Otherwise go to', ctx.targetChoices(step), `${path}.default`, ctx.changed, {
      structural: true,
    }),
  ];
}

function setOrDelete(obj, key, value, ctx) {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
  ctx.changed();
}

function typeFields(ctx, step, i) {
  const path = `steps.${i}`;
  if (step.type === 'webhook') return [webhookComposer(ctx, step, i)];
  if (step.type === 'delay') return [el('div', { class: 'row' }, ...delayFields(ctx, step, path))];
  if (step.type === 'waitForEvent') return waitFields(ctx, step, path);
  if (step.type === 'branch') return branchFields(ctx, step, path);
  return [textInput(step, 'reason', 'Exit reason', `${path}.reason`, ctx.changed, { placeholder: 'exit' })];
}

function stepBox(ctx, step, i) {
  const steps = ctx.doc.steps;
  const move = (to) => {
    steps.splice(to, 0, steps.splice(i, 1)[0]);
    ctx.changed(true);
  };
  const changeType = (value) => {
    steps[i] = { ...BLANK[value](step.id, ctx), ...(step.next && { next: step.next }) };
    ctx.changed(true);
  };
  const type = el(
    'select',
    { 'data-path': `steps.${i}.type` },
    TYPES.map(([v, t]) => el('option', { value: v, selected: v === step.type }, t)),
  );
  type.addEventListener('change', () => changeType(type.value));
  const typeId = `step-type-${i}`;
  type.id = typeId;
  return el(
    'fieldset',
    { class: `step step-${step.type}`, 'data-path': `steps.${i}`, 'data-step-index': i },
    el('legend', {}, `Step ${i + 1}: ${step.id || '(no id)'}`),
    el(
      'div',
      { class: 'row' },
      textInput(step, 'id', 'Step id', `steps.${i}.id`, ctx.changed, { placeholder: 'sms', structural: 'lazy' }),
      el('div', { class: 'field' }, el('label', { for: typeId }, 'Type'), type),
      step.type !== 'exit' &&
        selectInput(
          step,
          'next',
          'Then go to',
          ctx.targetChoices(step, 'the following step'),
          `steps.${i}.next`,
          ctx.changed,
          { structural: true },
        ),
    ),
    ...typeFields(ctx, step, i),
    el(
      'div',
      { class: 'buttons' },
      i > 0 && el('button', { type: 'button', onclick: () => move(i - 1) }, 'Move up'),
      i < steps.length - 1 && el('button', { type: 'button', onclick: () => move(i + 1) }, 'Move down'),
      el(
        'button',
        { type: 'button', class: 'danger', onclick: () => (steps.splice(i, 1), ctx.changed(true)) },
        `Remove step ${step.id || i + 1}`,
      ),
    ),
  );
}

function addStep(ctx) {
  const type = el(
    'select',
    { id: 'new-step-type' },
    TYPES.map(([v, t]) => el('option', { value: v }, t)),
  );
  const add = () => {
    const taken = new Set(ctx.doc.steps.map((s) => s.id));
    let n = ctx.doc.steps.length + 1;
    while (taken.has(`${type.value}${n}`)) n++;
    ctx.doc.steps.push(BLANK[type.value](`${type.value}${n}`, ctx));
    ctx.changed(true);
    ctx.form.querySelector('fieldset.step:last-of-type input')?.focus();
  };
  return el(
    'div',
    { class: 'row add-step' },
    el('div', { class: 'field' }, el('label', { for: 'new-step-type' }, 'New step'), type),
    el('button', { type: 'button', id: 'add-step', onclick: add }, 'Add step'),
  );
}

export function stepsForm(ctx) {
  ctx.doc.steps ??= [];
  return el(
    'fieldset',
    { class: 'steps', 'data-path': 'steps' },
    el('legend', {}, 'Steps'),
    ctx.doc.steps.length === 0 &&
      el('p', { class: 'muted' }, 'No steps yet: add one below (a journey needs at least one).'),
    ...ctx.doc.steps.map((step, i) => stepBox(ctx, step, i)),
    addStep(ctx),
  );
}
