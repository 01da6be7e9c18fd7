// The request composer of a webhook step: method, URL or destination, headers, query and a
// JSON body, the variables this step can use (inserted where the cursor was), a preview for a
// chosen user and event, and a test send through the gateway that shows the real answer.
import { post } from './api.js';
import { checkbox, pairsInput, selectInput, textInput } from './bind.js';
import { el, field, pretty } from './dom.js';

const METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => [m, m]);

/** The variables a template at step `index` can read: fixed ones, seen properties, earlier steps' results. */
export function variablesAt(doc, index, seen) {
  const earlier = doc.steps.slice(0, index).flatMap((step) => {
    if (step.type === 'webhook' && step.saveResponse !== false)
      return [`steps.${step.id}.response.status`, `steps.${step.id}.response.body`];
    if (step.type === 'waitForEvent') return [`steps.${step.id}.event.properties`];
    return [];
  });
  return [
    'user.id',
    ...seen.user,
    'event.name',
    'event.timestamp',
    ...seen.event,
    'campaign.id',
    'campaign.name',
    'journey.id',
    ...earlier,
  ];
}

function bodyInput(request, path, changed) {
  const text = el(
    'textarea',
    { rows: 6, class: 'code template', 'data-path': `${path}.body`, spellcheck: 'false' },
    request.body === undefined ? '' : pretty(request.body),
  );
  const problem = el('small', { class: 'error', role: 'status' });
  text.addEventListener('input', () => {
    if (text.value.trim() === '') {
      delete request.body;
      problem.textContent = '';
      changed();
      return;
    }
    try {
      request.body = JSON.parse(text.value);
      problem.textContent = '';
      changed();
    } catch (err) {
      problem.textContent = `Not JSON yet (${err.message}); the body keeps its last valid value.`;
    }
  });
  return el('div', { class: 'field' }, el('label', { for: (text.id = `body-${path}`) }, 'Body (JSON)'), text, problem);
}

function targetFields(request, path, changed, destinations) {
  const usesDestination = request.destination !== undefined;
  const kind = el(
    'select',
    { 'aria-label': 'Send to' },
    el('option', { value: 'url', selected: !usesDestination }, 'a URL'),
    el('option', { value: 'destination', selected: usesDestination }, 'a destination'),
  );
  kind.addEventListener('change', () => {
    if (kind.value === 'destination') {
      delete request.url;
      request.destination = destinations[0]?.id ?? '';
    } else {
      delete request.destination;
      delete request.path;
      request.url = '';
    }
    changed(true);
  });
  const fields = usesDestination
    ? [
        selectInput(
          request,
          'destination',
          'Destination',
          [['', '(choose)'], ...destinations.map((d) => [d.id, `${d.name} (${d.id})`])],
          `${path}.destination`,
          changed,
        ),
        textInput(request, 'path', 'Path', `${path}.path`, changed, { placeholder: '/sms' }),
      ]
    : [textInput(request, 'url', 'URL', `${path}.url`, changed, { placeholder: 'https://api.example.com/sms' })];
  return [field('Send to', kind), ...fields];
}

const headerLines = (headers) =>
  Object.entries(headers ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

/** What a preview rendered, or what a test send sent and got back (or why it could not). */
function resultView(result) {
  if (!result.request) return el('div', { class: 'test-result error', role: 'status' }, result.error);
  const { request, response } = result;
  const parts = [
    el('h4', {}, 'Request'),
    el(
      'pre',
      { class: 'sent-request' },
      `${request.method} ${request.url}\n${headerLines({ 'webhook-id': request.webhookId, ...request.headers })}\n\n${request.body ?? ''}`,
    ),
  ];
  if (response) {
    parts.push(
      el('h4', {}, 'Response'),
      el('p', { class: 'response-status' }, `${response.status} in ${result.latencyMs} ms`),
      el('pre', { class: 'response-headers' }, headerLines(response.headers)),
      el('pre', { class: 'response-body' }, response.body),
    );
  } else if (result.error)
    parts.push(
      el(
        'p',
        { class: 'error response-error' },
        `${result.error}${result.latencyMs === undefined ? '' : ` after ${result.latencyMs} ms`}`,
      ),
    );
  return el('div', { class: 'test-result', role: 'status' }, ...parts);
}

function tryPanel(ctx, step) {
  const user = el('input', { value: ctx.tryInput.userId, autocomplete: 'off', placeholder: 'user id' });
  const event = el('textarea', { rows: 3, class: 'code', spellcheck: 'false' }, ctx.tryInput.event);
  const out = el('div', { class: 'try-output', 'aria-live': 'polite' });
  user.addEventListener('input', () => (ctx.tryInput.userId = user.value));
  event.addEventListener('input', () => (ctx.tryInput.event = event.value));
  const run = async (send) => {
    let properties;
    try {
      properties = event.value.trim() ? JSON.parse(event.value) : {};
    } catch (err) {
      out.replaceChildren(el('p', { class: 'error' }, `The event properties are not JSON: ${err.message}`));
      return;
    }
    out.replaceChildren(el('p', { class: 'muted' }, send ? 'Sending…' : 'Rendering…'));
    try {
      const result = await post('/v1/studio/test-send', {
        campaign: ctx.doc,
        stepId: step.id,
        userId: user.value.trim(),
        event: { properties },
        send,
      });
      out.replaceChildren(resultView(result));
    } catch (err) {
      out.replaceChildren(el('p', { class: 'error' }, err.message));
      ctx.showIssues(err.issues ?? [], err.message.startsWith('invalid campaign'));
    }
  };
  return el(
    'fieldset',
    { class: 'try' },
    el('legend', {}, 'Try this step'),
    field('User id', user),
    field(`Properties of the ${ctx.doc.trigger?.event || 'trigger'} event (JSON)`, event),
    el(
      'div',
      { class: 'buttons' },
      el('button', { type: 'button', class: 'preview', onclick: () => run(false) }, 'Preview'),
      el('button', { type: 'button', class: 'send-test primary', onclick: () => run(true) }, 'Send test'),
    ),
    out,
  );
}

/** Inserts `{{name}}` where the cursor last was in one of the composer's template inputs. */
function variableList(box, names) {
  let target;
  box.addEventListener('focusin', (event) => {
    if (event.target.matches('.template, [data-path$=".url"], [data-path$=".path"]')) target = event.target;
  });
  const insert = (name) => {
    if (!target) return;
    const text = `{{${name}}}`;
    const at = target.selectionStart ?? target.value.length;
    target.setRangeText(text, at, target.selectionEnd ?? at, 'end');
    target.dispatchEvent(new Event('input', { bubbles: true }));
    target.focus();
  };
  return el(
    'div',
    { class: 'variables' },
    el('h4', {}, 'Variables (click to insert at the cursor)'),
    el(
      'ul',
      {},
      names.map((name) =>
        el(
          'li',
          {},
          el(
            'button',
            { type: 'button', class: 'variable', onmousedown: (e) => e.preventDefault(), onclick: () => insert(name) },
            name,
          ),
        ),
      ),
    ),
  );
}

/** The composer for webhook step `index` of ctx.doc. */
export function webhookComposer(ctx, step, index) {
  const path = `steps.${index}.request`;
  step.request ??= { method: 'POST', url: '' };
  const { request } = step;
  const box = el('fieldset', { class: 'composer', 'data-path': path });
  box.append(
    el('legend', {}, 'Request'),
    el(
      'div',
      { class: 'row' },
      selectInput(request, 'method', 'Method', METHODS, `${path}.method`, ctx.changed),
      ...targetFields(request, path, ctx.changed, ctx.destinations),
    ),
    pairsInput(request, 'headers', 'Headers', `${path}.headers`, ctx.changed),
    pairsInput(request, 'query', 'Query', `${path}.query`, ctx.changed),
    bodyInput(request, path, ctx.changed),
    el(
      'div',
      { class: 'row' },
      checkbox(
        step,
        'saveResponse',
        'Save the response for later steps',
        `steps.${index}.saveResponse`,
        ctx.changed,
        true,
      ),
      selectInput(
        step,
        'onFailure',
        'When it finally fails',
        [['', 'end the journey'], ...ctx.stepChoices(step)],
        `steps.${index}.onFailure`,
        ctx.changed,
        { structural: true },
      ),
    ),
  );
  box.append(variableList(box, variablesAt(ctx.doc, index, ctx.seen)), tryPanel(ctx, step));
  return box;
}
