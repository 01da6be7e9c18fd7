// Small DOM helpers. Text from the API is always set as text, never parsed as HTML.

export const $ = (id) => document.getElementById(id);

/** el('label', { for: 'x', class: 'y' }, 'text', child): attributes, then children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'value') node.value = value;
    else if (name === 'checked') node.checked = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

let fieldIds = 0;

/** A labelled input bound to a path of the edited document; `read` turns its text into the value. */
export function field(labelText, input, hint) {
  input.id = input.id || `f${++fieldIds}`;
  return el('div', { class: 'field' }, el('label', { for: input.id }, labelText), input, hint && el('small', {}, hint));
}

/** The value a typed text stands for: JSON when it parses (5, true, ["a"]), the text otherwise. */
export function typedValue(text) {
  if (text.trim() === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function typedText(value) {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** A button that runs an async action, shows that it is busy, and reports what failed in `status`. */
export function actionButton(text, action, attrs = {}) {
  const button = el('button', { type: 'button', ...attrs }, text);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}
