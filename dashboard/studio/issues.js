// Validation errors where the mistake is: the API's 400 names a path such as
// steps.0.request.url; the message goes under the field that edits it (or its nearest enclosing one).

export function clearIssues(root) {
  root.querySelectorAll('.field-error').forEach((node) => node.remove());
  root.querySelectorAll('[aria-invalid]').forEach((node) => {
    node.removeAttribute('aria-invalid');
    node.removeAttribute('aria-describedby');
  });
}

function targetOf(root, path) {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const found = root.querySelector(`[data-path="${CSS.escape(parts.slice(0, n).join('.'))}"]`);
    if (found) return found;
  }
  return undefined;
}

let issueIds = 0;

/** Shows each issue at its field; returns the issues no field of `root` could take. Focuses the first. */
export function showIssues(root, issues) {
  clearIssues(root);
  const unplaced = [];
  let first;
  for (const issue of issues) {
    const target = targetOf(root, issue.path);
    if (!target) {
      unplaced.push(issue);
      continue;
    }
    const note = document.createElement('p');
    note.className = 'field-error';
    note.id = `issue-${++issueIds}`;
    note.setAttribute('role', 'alert');
    note.dataset.issuePath = issue.path;
    note.textContent = `${issue.path}: ${issue.message}`;
    const legend = target.matches('fieldset') && target.querySelector(':scope > legend');
    if (legend) legend.after(note);
    else target.after(note);
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', note.id);
    first ??= target;
  }
  if (first) {
    first.scrollIntoView({ block: 'center' });
    (first.matches('fieldset') ? first.querySelector('input, select, textarea') : first)?.focus();
  }
  return unplaced;
}
