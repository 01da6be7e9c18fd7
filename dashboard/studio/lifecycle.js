// Activate, pause, resume and archive, each after a confirmation that says how many journeys
// are running and what happens to them.
import { get, post } from './api.js';
import { $, el } from './dom.js';

const MOVES = {
  draft: ['activate', 'archive'],
  active: ['pause', 'archive'],
  paused: ['resume', 'archive'],
  archived: [],
};

function consequence(action, running, trigger) {
  const journeys = `${running} journey${running === 1 ? ' is' : 's are'} running`;
  if (action === 'activate') return `New "${trigger}" events will start journeys from now on. ${journeys}.`;
  if (action === 'pause')
    return `${journeys}; each is held before its next webhook until you resume. No new journeys start.`;
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

const PROGRESS_POLL_MS = 1_000;
const BATCH_VISIBLE_MS = 10_000;

/** Cancels every running journey as one batch, showing how far it got until it is done. */
async function cancelAll(record, running, reload) {
  const message = `${running} running journey${running === 1 ? '' : 's'} end now, as cancelled; the campaign stays ${record.status}.`;
  if (!(await confirmAction(`Cancel the running journeys of ${record.name}?`, message, 'Cancel them'))) return;
  const status = $('editor-status');
  try {
    const { jobId } = await post(`/v1/studio/campaigns/${encodeURIComponent(record.id)}/cancel-journeys`);
    const startedAt = Date.now();
    for (;;) {
      // A batch just started may not be visible for a few seconds.
      const progress = await get(`/v1/studio/batch?jobId=${encodeURIComponent(jobId)}`).catch((err) => {
        if (err.status === 404 && Date.now() - startedAt < BATCH_VISIBLE_MS)
          return { state: 'running', completed: 0, total: running, failed: 0 };
        throw err;
      });
      status.textContent = `Cancelling journeys: ${progress.completed} of ${progress.total} done${progress.failed ? `, ${progress.failed} failed` : ''}${progress.state === 'running' ? '…' : '.'}`;
      if (progress.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
    }
    const done = status.textContent;
    await reload();
    status.textContent = done;
  } catch (err) {
    status.textContent = `Could not cancel the journeys: ${err.message}`;
  }
}

export function lifecycleButtons(record, reload) {
  const running = (record.versions ?? []).reduce((sum, v) => sum + (v.runningJourneys ?? 0), 0);
  const cancel =
    running > 0 &&
    el(
      'button',
      { type: 'button', class: 'danger cancel-journeys', onclick: () => void cancelAll(record, running, reload) },
      `Cancel ${running} running`,
    );
  return [
    ...MOVES[record.status].map((action) =>
      el(
        'button',
        {
          type: 'button',
          class: `lifecycle lifecycle-${action}${action === 'archive' ? ' danger' : ''}`,
          onclick: async () => {
            const title = `${action[0].toUpperCase()}${action.slice(1)} ${record.name}?`;
            const message = consequence(action, running, record.definition.trigger.event);
            if (!(await confirmAction(title, message, action[0].toUpperCase() + action.slice(1)))) return;
            try {
              const moved = await post(`/v1/campaigns/${encodeURIComponent(record.id)}/${action}`);
              const note =
                moved.cancelledJourneys !== undefined
                  ? `; ${moved.cancelledJourneys} journeys cancelled`
                  : moved.resumedJourneys !== undefined
                    ? `; ${moved.resumedJourneys} journeys resumed`
                    : '';
              await reload();
              $('editor-status').textContent = `Now ${moved.status}${note}.`;
            } catch (err) {
              $('editor-status').textContent = `Could not ${action}: ${err.message}`;
            }
          },
        },
        action[0].toUpperCase() + action.slice(1),
      ),
    ),
    cancel,
  ].filter(Boolean);
}
