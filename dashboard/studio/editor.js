// The campaign editor: the form on the left, the raw JSON or YAML on the right (each edit on
// one side rewrites the other), the step graph above, and saving, versions and lifecycle.
import { parse as parseYaml, stringify as toYaml } from '../vendor/yaml/index.js';
import { get, post, put } from './api.js';
import { textInput } from './bind.js';
import { conditionEditor } from './condition-editor.js';
import { $, el, pretty } from './dom.js';
import { clearIssues, showIssues } from './issues.js';
import { lifecycleButtons } from './lifecycle.js';
import { rulesForm } from './rules-form.js';
import { drawStepGraph } from './step-graph.js';
import { stepsForm } from './steps-form.js';
import { versionsView } from './versions.js';

const BLANK = () => ({
  id: '',
  name: '',
  trigger: { event: '' },
  steps: [{ id: 'send', type: 'webhook', request: { method: 'POST', url: '' } }],
});
const DAY_MS = 86_400_000;
/** As the API checks an event name (src/domain/event.ts). */
const EVENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

let ctx;

/** The choices of a "go to" select: the other steps, with the empty value meaning `fallback`. */
function stepChoices(step, fallback) {
  const others = ctx.doc.steps.filter((s) => s !== step && s.id).map((s) => [s.id, s.id]);
  return fallback ? [['', fallback], ...others] : others;
}

function rawText() {
  return ctx.format === 'yaml' ? toYaml(ctx.doc) : pretty(ctx.doc);
}

/** Re-renders the form, keeping the focused field (by its path or label) and its cursor. */
function renderForm() {
  const active = document.activeElement;
  const key =
    active && ctx.form.contains(active) ? (active.dataset.path ?? active.getAttribute('aria-label')) : undefined;
  const selection =
    key && active.selectionStart !== undefined ? [active.selectionStart, active.selectionEnd] : undefined;
  const options = ctx.conditionOptions;
  ctx.form.replaceChildren(
    el(
      'fieldset',
      { class: 'basics' },
      el('legend', {}, 'Campaign'),
      el(
        'div',
        { class: 'row' },
        ctx.isNew
          ? textInput(ctx.doc, 'id', 'Campaign id', 'id', changed, { placeholder: 'price-drop' })
          : el('p', {}, 'Id: ', el('code', {}, ctx.doc.id)),
        textInput(ctx.doc, 'name', 'Name', 'name', changed),
      ),
      textInput(ctx.doc, 'description', 'Description', 'description', changed),
    ),
    el(
      'fieldset',
      { class: 'trigger', 'data-path': 'trigger' },
      el('legend', {}, 'Trigger'),
      textInput(ctx.doc.trigger, 'event', 'Trigger event', 'trigger.event', changed, { placeholder: 'price_dropped' }),
      conditionEditor({
        value: ctx.doc.trigger.where,
        basePath: 'trigger.where',
        label: 'Trigger filter',
        options,
        onChange: (c) => setCondition(ctx.doc.trigger, 'where', c),
      }),
    ),
    conditionEditor({
      value: ctx.doc.audience,
      basePath: 'audience',
      label: 'Audience',
      options,
      onChange: (c) => setCondition(ctx.doc, 'audience', c),
    }),
    rulesForm(ctx.doc, changed),
    stepsForm(ctx),
  );
  const again =
    key &&
    [...ctx.form.querySelectorAll('input, select, textarea')].find(
      (n) => (n.dataset.path ?? n.getAttribute('aria-label')) === key,
    );
  if (again) {
    again.focus();
    if (selection && again.setSelectionRange && again.type !== 'number') again.setSelectionRange(...selection);
  }
}

function setCondition(obj, key, condition) {
  if (condition === undefined) delete obj[key];
  else obj[key] = condition;
  changed();
}

function renderGraph() {
  drawStepGraph($('step-graph'), ctx.doc.steps ?? [], ctx.counts);
}

/** After an edit: `structural` re-renders the form (steps added, types changed), the raw text and graph always follow. */
function changed(structural) {
  ctx.dirty = true;
  $('editor-dirty').textContent = 'Unsaved changes';
  if (structural === true) renderForm();
  if (document.activeElement !== $('raw')) $('raw').value = rawText();
  renderGraph();
}

function onRawInput() {
  try {
    const parsed = ctx.format === 'yaml' ? parseYaml($('raw').value) : JSON.parse($('raw').value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('the campaign must be an object');
    parsed.trigger ??= {};
    parsed.steps ??= [];
    ctx.doc = parsed;
    $('raw-error').textContent = '';
    ctx.dirty = true;
    renderForm();
    renderGraph();
  } catch (err) {
    $('raw-error').textContent =
      `Not valid ${ctx.format.toUpperCase()} yet: ${err.message}. The form keeps the last valid version.`;
  }
}

/** Live counts per step: reached and sent from the stats API, failed from the failed deliveries. */
async function loadCounts(id) {
  const from = new Date(Date.now() - 30 * DAY_MS).toISOString();
  const [stats, failed] = await Promise.all([
    get(`/v1/campaigns/${encodeURIComponent(id)}/stats?bucket=day&from=${encodeURIComponent(from)}`),
    get(
      `/v1/deliveries?campaignId=${encodeURIComponent(id)}&status=failed&since=${encodeURIComponent(from)}&limit=500`,
    ),
  ]);
  const counts = {};
  for (const stage of stats.funnel)
    if (stage.stage === 'step') counts[stage.step] = { reached: stage.reached, sent: stage.sent, failed: 0 };
  for (const d of failed.deliveries) if (counts[d.stepId]) counts[d.stepId].failed++;
  ctx.counts = counts;
  $('editor-counts').textContent =
    `Last 30 days: ${stats.totals.entered} entered, ${stats.totals.webhooks.succeeded} sent, ${stats.totals.webhooks.failed} failed`;
}

function showSaveIssues(issues, message) {
  const unplaced = showIssues($('editor'), issues);
  $('editor-status').textContent =
    issues.length > 0 && unplaced.length === 0
      ? `Not saved: ${issues.length} problem(s) shown at their fields.`
      : `Not saved: ${message}`;
}

async function save() {
  clearIssues($('editor'));
  $('editor-status').textContent = 'Saving…';
  try {
    const record = ctx.isNew
      ? await post('/v1/campaigns', ctx.doc)
      : await put(`/v1/campaigns/${encodeURIComponent(ctx.doc.id)}`, ctx.doc);
    // The address names the saved campaign; replaceState does not load it a second time.
    history.replaceState(null, '', `#campaign=${encodeURIComponent(record.id)}`);
    await openCampaign(record.id, `Saved as version ${record.version}.`);
  } catch (err) {
    showSaveIssues(err.issues ?? [], err.message);
  }
}

async function header(record) {
  $('editor-title').textContent = record ? `${record.name} (${record.id})` : 'New campaign';
  const state = $('editor-state');
  state.textContent = record ? `${record.status} · version ${record.version}` : 'not saved yet';
  state.className = `state state-${record?.status ?? 'draft'}`;
  $('editor-lifecycle').replaceChildren(...(record ? lifecycleButtons(record, () => openCampaign(record.id)) : []));
  $('editor-versions').replaceChildren(...(record ? [versionsView(record)] : []));
}

async function start(doc, record, seenEvent) {
  const [destinations, seen, segments] = await Promise.all([
    get('/v1/destinations'),
    get(`/v1/studio/variables${seenEvent ? `?event=${encodeURIComponent(seenEvent)}` : ''}`),
    get('/v1/segments'),
  ]);
  ctx = {
    doc,
    isNew: !record,
    format: ctx?.format ?? 'json',
    counts: undefined,
    dirty: false,
    form: $('campaign-form'),
    destinations: destinations.destinations,
    seen,
    tryInput: ctx?.tryInput ?? { userId: '', event: '{}' },
    conditionOptions: { listId: 'known-fields', segmentListId: 'known-segments' },
    changed,
    stepChoices,
    targetChoices: (step, fallback = 'the following step') => stepChoices(step, fallback),
    showIssues: (issues, onFields) => (onFields ? showSaveIssues(issues, 'the campaign is not valid') : undefined),
  };
  $('known-fields').replaceChildren(...[...seen.user, ...seen.event].map((name) => el('option', { value: name })));
  $('known-segments').replaceChildren(...segments.segments.map((s) => el('option', { value: s.id }, s.name)));
  $('campaigns').hidden = true;
  $('editor').hidden = false;
  $('editor-dirty').textContent = '';
  $('raw').value = rawText();
  $('raw-error').textContent = '';
  await header(record);
  if (record)
    await loadCounts(record.id).catch((err) => ($('editor-counts').textContent = `No counts: ${err.message}`));
  else $('editor-counts').textContent = 'Counts appear once the campaign is saved and running.';
  renderForm();
  renderGraph();
}

export async function openCampaign(id, status = '') {
  const record = await get(`/v1/campaigns/${encodeURIComponent(id)}`);
  await start(structuredClone(record.definition), record, record.definition.trigger.event);
  $('editor-status').textContent = status;
}

export async function newCampaign(example) {
  const doc = example ? await (await fetch(`examples/${encodeURIComponent(example)}`)).json() : BLANK();
  await start(doc, undefined, doc.trigger.event);
  $('editor-status').textContent = example ? `From the example ${example}: give it an id of your own and save.` : '';
  ctx.form.querySelector('input')?.focus();
}

export function setupEditor() {
  $('raw').addEventListener('input', onRawInput);
  $('raw-format').addEventListener('change', () => {
    ctx.format = $('raw-format').value;
    $('raw').value = rawText();
    $('raw-error').textContent = '';
  });
  $('save').addEventListener('click', () => void save());
  $('campaign-form').addEventListener('change', async (event) => {
    // A new trigger event has other properties to offer as variables.
    // An invalid name is left for Save to report at the field.
    if (event.target.dataset.path !== 'trigger.event' || !EVENT_NAME.test(ctx.doc.trigger.event ?? '')) return;
    ctx.seen = await get(`/v1/studio/variables?event=${encodeURIComponent(ctx.doc.trigger.event)}`);
    renderForm();
  });
}
