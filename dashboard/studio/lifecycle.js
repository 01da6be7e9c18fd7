// Activate, pause, resume and archive, each after a confirmation that says how many journeys
// are running and what happens to them.
import { post } from './api.js';
import { $, el } from './dom.js';

const MOVES = {
  draft: ['activate', 'archive'],
  active: ['pause', 'archive'],
  paused: ['resume', 'archive'],
  archived: [],
};

function consequence(action, running) {
  const journeys = `${running} journey${running === 1 ? ' is' : 's are'} running`;
  if (action === 'activate') return `New "${'trigger'}" events will start journeys from now on. ${journeys}.`;
  if (action === 'pause') return `${journeys}; each is held before its next webhook until you resume. No new journeys start.`;
  if (action === 'resume') return `${journeys}; held ones go on at once, and new events start journeys again.`;
  return `${journeys}; archiving cancels them all, and the campaign can no longer change or start journeys.`;
}

/** Asks with the page's dialog; resolves true when confirmed. */
export function confirmAction(title, message, confirmText) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-message').textContent = message;
  $('confirm-ok').textContent = confirmText;
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

export function lifecycleButtons(record, reload) {
  const running = (record.versions ?? []).reduce((sum, v) => sum + (v.runningJourneys ?? 0), 0);
  return MOVES[record.status].map((action) => el('button', {
    type: 'button',
    class: `lifecycle lifecycle-${action}${action === 'archive' ? ' danger' : ''}`,
    onclick: async () => {
      const title = `${action[0].toUpperCase()}${action.slice(1)} ${record.name}?`;
      const message = consequence(action, running).replace('"trigger"', `"${record.definition.trigger.event}"`);
      if (!(await confirmAction(title, message, action[0].toUpperCase() + action.slice(1)))) return;
      try {
        const moved = await post(`/v1/campaigns/${encodeURIComponent(record.id)}/${action}`);
        const note = moved.cancelledJourneys !== undefined ? `; ${moved.cancelledJourneys} journeys cancelled` : moved.resumedJourneys !== undefined ? `; ${moved.resumedJourneys} journeys resumed` : '';
        await reload();
        $('editor-status').textContent = `Now ${moved.status}${note}.`;
      } catch (err) {
        $('editor-status').textContent = `Could not ${action}: ${err.message}`;
      }
    },
  }, action[0].toUpperCase() + action.slice(1)));
}
