// Segments: the list, and a form with the condition editor whose count and sample can be
// previewed before saving.
import { get, post, put } from './api.js';
import { textInput } from './bind.js';
import { conditionEditor } from './condition-editor.js';
import { $, el } from './dom.js';
import { clearIssues, showIssues } from './issues.js';

let draft;

function renderForm() {
  const changed = () => {};
  $('segment-form').replaceChildren(
    el(
      'div',
      { class: 'row' },
      draft.isNew
        ? textInput(draft.segment, 'id', 'Segment id', 'id', changed, { placeholder: 'sms-gold' })
        : el('p', {}, 'Id: ', el('code', {}, draft.segment.id)),
      textInput(draft.segment, 'name', 'Name', 'name', changed),
    ),
    textInput(draft.segment, 'description', 'Description', 'description', changed),
    conditionEditor({
      value: draft.segment.condition,
      basePath: 'condition',
      label: 'Members',
      options: { listId: 'known-fields', segmentListId: 'known-segments' },
      onChange: (c) => (draft.segment.condition = c),
    }),
  );
  $('segment-editor').hidden = false;
  $('segment-preview').replaceChildren();
}

function edit(segment, isNew) {
  draft = { segment: structuredClone(segment), isNew };
  $('segment-status').textContent = '';
  renderForm();
  $('segment-form').querySelector('input')?.focus();
}

async function preview() {
  clearIssues($('segment-editor'));
  try {
    const { count, sample } = await post('/v1/studio/segment-preview', { condition: draft.segment.condition });
    $('segment-preview').replaceChildren(
      el('p', { class: 'segment-count' }, `${count} user${count === 1 ? '' : 's'} match now.`),
      sample.length > 0 && el('p', {}, `For example: ${sample.join(', ')}`),
    );
  } catch (err) {
    if (!draft.segment.condition)
      $('segment-preview').replaceChildren(
        el('p', { class: 'error' }, 'Add a condition first: a segment needs at least one.'),
      );
    else showProblems(err);
  }
}

function showProblems(err) {
  const unplaced = showIssues($('segment-editor'), err.issues ?? []);
  $('segment-status').textContent =
    unplaced.length > 0 || !err.issues?.length ? err.message : 'Fix the fields marked above.';
}

async function save() {
  clearIssues($('segment-editor'));
  try {
    const { segment, isNew } = draft;
    await (isNew ? post('/v1/segments', segment) : put(`/v1/segments/${encodeURIComponent(segment.id)}`, segment));
    draft.isNew = false;
    $('segment-status').textContent = `Saved ${segment.id}.`;
    await loadSegments();
  } catch (err) {
    showProblems(err);
  }
}

export async function loadSegments() {
  const { segments } = await get('/v1/segments');
  $('segment-rows').replaceChildren(
    ...segments.map((s) =>
      el(
        'tr',
        {},
        el('td', {}, `${s.name} (${s.id})`),
        el('td', {}, el('code', {}, JSON.stringify(s.condition))),
        el('td', {}, el('button', { type: 'button', onclick: () => edit(s, false) }, `Edit ${s.id}`)),
      ),
    ),
  );
  $('segments-empty').hidden = segments.length > 0;
}

export function setupSegments() {
  $('new-segment').addEventListener('click', () =>
    edit({ id: '', name: '', condition: { field: 'user.properties.', op: 'eq', value: '' } }, true),
  );
  $('segment-preview-button').addEventListener('click', () => void preview());
  $('segment-save').addEventListener('click', () => void save());
}
