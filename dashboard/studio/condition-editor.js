// The condition editor, for a trigger's filter, an audience, a branch case and a segment: a
// list of conditions joined by "all" or "any". Each is a field comparison, an event the user
// did or did not perform, a segment, or (for anything deeper) its JSON.
import { el, field, pretty, typedText, typedValue } from './dom.js';

const OPS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'nin',
  'exists',
  'contains',
  'startsWith',
  'olderThan',
  'newerThan',
];
const KINDS = {
  field: 'Field comparison',
  performed: 'Performed event',
  notPerformed: 'Did not perform',
  segment: 'In segment',
  json: 'JSON',
};

function kindOf(condition) {
  if (condition.field !== undefined && condition.valueFrom === undefined) return 'field';
  if (condition.performed !== undefined) return 'performed';
  if (condition.notPerformed !== undefined) return 'notPerformed';
  if (condition.segment !== undefined && Object.keys(condition).length === 1) return 'segment';
  return 'json';
}

const BLANK = {
  field: () => ({ field: '', op: 'eq', value: '' }),
  performed: () => ({ performed: '', within: '30d' }),
  notPerformed: () => ({ notPerformed: '', within: '30d' }),
  segment: () => ({ segment: '' }),
  json: () => ({ field: '', op: 'exists', value: true }),
};

/** Splits a condition into a joiner and its parts; one part stands alone, none means "no condition". */
function split(condition) {
  if (!condition) return { mode: 'all', rows: [] };
  if (Array.isArray(condition.all) && Object.keys(condition).length === 1) return { mode: 'all', rows: condition.all };
  if (Array.isArray(condition.any) && Object.keys(condition).length === 1) return { mode: 'any', rows: condition.any };
  return { mode: 'all', rows: [condition] };
}

function join({ mode, rows }) {
  if (rows.length === 0) return undefined;
  return rows.length === 1 ? rows[0] : { [mode]: rows };
}

/** An input bound to one key of a condition; `cast` turns its text into the stored value. */
function bound(row, key, labelText, path, onChange, opts = {}) {
  const cast = opts.cast ?? ((text) => text);
  const input = el('input', {
    value: opts.show ? opts.show(row[key]) : (row[key] ?? ''),
    'data-path': `${path}.${key}`,
    list: opts.list,
    placeholder: opts.placeholder,
  });
  input.addEventListener('input', () => {
    const value = cast(input.value);
    if (value === '' || value === undefined) delete row[key];
    else row[key] = value;
    onChange();
  });
  return field(labelText, input);
}

const count = (text) => (text.trim() === '' ? undefined : Number(text));

function rowFields(row, kind, path, onChange, options) {
  if (kind === 'field') {
    const op = el(
      'select',
      { 'data-path': `${path}.op` },
      OPS.map((o) => el('option', { value: o, selected: row.op === o }, o)),
    );
    op.addEventListener('change', () => {
      row.op = op.value;
      onChange();
    });
    return [
      bound(row, 'field', 'Field', path, onChange, { list: options.listId, placeholder: 'user.properties.tier' }),
      field('Operator', op),
      bound(row, 'value', 'Value', path, onChange, {
        cast: typedValue,
        show: typedText,
        placeholder: '5, true, "gold", ["a","b"]',
      }),
    ];
  }
  if (kind === 'performed' || kind === 'notPerformed') {
    return [
      bound(row, kind, 'Event', path, onChange, { placeholder: 'purchase' }),
      kind === 'performed' && bound(row, 'atLeast', 'At least (times)', path, onChange, { cast: count }),
      bound(row, 'within', 'Within', path, onChange, { placeholder: '30d' }),
    ];
  }
  if (kind === 'segment') return [bound(row, 'segment', 'Segment id', path, onChange, { list: options.segmentListId })];
  const text = el('textarea', { rows: 4, 'data-path': path, class: 'code' }, pretty(row));
  text.addEventListener('input', () => {
    try {
      const parsed = JSON.parse(text.value);
      for (const key of Object.keys(row)) delete row[key];
      Object.assign(row, parsed);
      text.setCustomValidity('');
      onChange();
    } catch (err) {
      text.setCustomValidity(`not JSON: ${err.message}`);
    }
  });
  return [field('Condition (JSON)', text)];
}

/**
 * Renders an editor for `value` (a condition or undefined) whose errors are looked up under
 * `basePath`; `onChange(condition)` gets the new condition after every edit.
 */
export function conditionEditor({ value, basePath, label, onChange, options = {} }) {
  const state = split(value ? structuredClone(value) : undefined);
  const box = el('fieldset', { class: 'condition', 'data-path': basePath });
  const emit = () => onChange(join(state));
  const render = () => {
    const mode = el(
      'select',
      { 'aria-label': `${label}: how conditions combine` },
      el('option', { value: 'all', selected: state.mode === 'all' }, 'all of'),
      el('option', { value: 'any', selected: state.mode === 'any' }, 'any of'),
    );
    mode.addEventListener('change', () => {
      state.mode = mode.value;
      emit();
      render();
    });
    const rows = state.rows.map((row, i) => {
      const path = state.rows.length === 1 ? basePath : `${basePath}.${state.mode}.${i}`;
      const kind = kindOf(row);
      const kindSelect = el(
        'select',
        { 'aria-label': `${label}: condition ${i + 1} kind` },
        Object.entries(KINDS).map(([k, text]) => el('option', { value: k, selected: k === kind }, text)),
      );
      kindSelect.addEventListener('change', () => {
        state.rows[i] = BLANK[kindSelect.value]();
        emit();
        render();
      });
      const remove = el(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Remove ${label} condition ${i + 1}` },
        'Remove',
      );
      remove.addEventListener('click', () => {
        state.rows.splice(i, 1);
        emit();
        render();
      });
      return el('div', { class: 'condition-row' }, kindSelect, ...rowFields(row, kind, path, emit, options), remove);
    });
    const add = el('button', { type: 'button', class: 'add-condition' }, `Add ${label.toLowerCase()} condition`);
    add.addEventListener('click', () => {
      state.rows.push(BLANK.field());
      emit();
      render();
      box.querySelector('.condition-row:last-of-type input')?.focus();
    });
    box.replaceChildren(
      el('legend', {}, label),
      state.rows.length > 1
        ? mode
        : el('p', { class: 'muted' }, state.rows.length === 0 ? 'No condition: everyone matches.' : ''),
      ...rows,
      add,
    );
  };
  render();
  return box;
}
