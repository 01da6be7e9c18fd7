// Form controls bound to a key of an object in the edited document: every edit writes the
// value there (an empty one removes the key) and calls `changed`. `path` is the document path,
// so that the API's validation errors find their field.
import { el, field, typedText, typedValue } from './dom.js';

export function textInput(obj, key, label, path, changed, opts = {}) {
  const cast = opts.cast ?? ((t) => t);
  const input = el('input', {
    value: opts.show ? opts.show(obj[key]) : (obj[key] ?? ''),
    'data-path': path,
    placeholder: opts.placeholder,
    list: opts.list,
    type: opts.type,
    autocomplete: 'off',
  });
  input.addEventListener('input', () => {
    const value = cast(input.value);
    if (value === '' || value === undefined) delete obj[key];
    else obj[key] = value;
    changed(opts.structural);
  });
  return field(label, input, opts.hint);
}

export const numberInput = (obj, key, label, path, changed, opts = {}) =>
  textInput(obj, key, label, path, changed, {
    ...opts,
    type: 'number',
    cast: (t) => (t.trim() === '' ? undefined : Number(t)),
  });

export const jsonInput = (obj, key, label, path, changed, opts = {}) =>
  textInput(obj, key, label, path, changed, { ...opts, cast: typedValue, show: typedText });

/** A select of `choices` ([value, text] pairs); the empty value removes the key. */
export function selectInput(obj, key, label, choices, path, changed, opts = {}) {
  const select = el(
    'select',
    { 'data-path': path },
    choices.map(([value, text]) => el('option', { value, selected: (obj[key] ?? '') === value }, text)),
  );
  select.addEventListener('change', () => {
    if (select.value === '') delete obj[key];
    else obj[key] = select.value;
    changed(opts.structural);
  });
  return field(label, select, opts.hint);
}

export function checkbox(obj, key, label, path, changed, fallback) {
  const input = el('input', { type: 'checkbox', checked: obj[key] ?? fallback, 'data-path': path });
  input.addEventListener('change', () => {
    obj[key] = input.checked;
    changed();
  });
  return field(label, input);
}

/** A list of names and values (headers, query) as rows; an empty list removes the key. */
export function pairsInput(obj, key, label, path, changed) {
  const box = el('fieldset', { class: 'pairs', 'data-path': path });
  const rows = Object.entries(obj[key] ?? {});
  const write = () => {
    const kept = rows.filter(([name]) => name !== '');
    if (kept.length === 0) delete obj[key];
    else obj[key] = Object.fromEntries(kept);
    changed();
  };
  const render = () => {
    box.replaceChildren(
      el('legend', {}, label),
      ...rows.map((row, i) => {
        const name = el('input', {
          value: row[0],
          'aria-label': `${label} ${i + 1} name`,
          'data-path': `${path}.${row[0]}`,
          autocomplete: 'off',
        });
        const value = el('input', {
          value: row[1],
          'aria-label': `${label} ${i + 1} value`,
          class: 'template',
          autocomplete: 'off',
        });
        name.addEventListener('input', () => ((row[0] = name.value), write()));
        value.addEventListener('input', () => ((row[1] = value.value), write()));
        const remove = el(
          'button',
          { type: 'button', class: 'link', 'aria-label': `Remove ${label} ${i + 1}` },
          'Remove',
        );
        remove.addEventListener('click', () => (rows.splice(i, 1), write(), render()));
        return el('div', { class: 'pair' }, name, value, remove);
      }),
      el(
        'button',
        {
          type: 'button',
          onclick: () => (rows.push(['', '']), render(), box.querySelector('.pair:last-of-type input')?.focus()),
        },
        `Add ${label.toLowerCase().replace(/s$/, '')}`,
      ),
    );
  };
  render();
  return box;
}
