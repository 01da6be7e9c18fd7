// A webhook step's send rules and, when they let it go out now, its delivery stored, as one
// local activity instead of two (checkSend, then prepareWebhook): one SDK round trip, one
// marker in the journey's history and one payload through the codec fewer, and the profile
// read once for both the user's zone and the request's template.
import { ApplicationFailure } from '@temporalio/activity';
import type { ProfileRecord, ProfileRepository } from '../src/db/profiles';
import { checkSend, goesOutNow, type FatigueDeps, type SendCheck, type SendCheckInput } from './fatigue';
import { prepareWebhook, type PrepareWebhookInput, type WebhookDeps } from './webhook';

export interface SendStepInput extends SendCheckInput {
  /** The delivery to store when the rules let the webhook go out now. */
  delivery: PrepareWebhookInput;
}

export interface SendStep extends SendCheck {
  /** Set when the rules let the webhook go out now: stored, or failed for good (the reason is on the delivery). */
  prepared?: 'stored' | 'failed';
}

/** The profile store as one call sees it: each user's profile read once. */
function readingOnce(profiles: Pick<ProfileRepository, 'get'>): Pick<ProfileRepository, 'get'> {
  const read = new Map<string, Promise<ProfileRecord | null>>();
  return {
    get(userId) {
      const profile = read.get(userId) ?? profiles.get(userId);
      read.set(userId, profile);
      return profile;
    },
  };
}

async function checkSendAndPrepare(
  deps: FatigueDeps & WebhookDeps,
  input: SendStepInput,
  firstAttemptFollows = false,
): Promise<SendStep> {
  const { delivery, ...rules } = input;
  const once = { ...deps, profiles: readingOnce(deps.profiles) };
  const check = await checkSend(once, rules);
  if (!goesOutNow(check, rules)) return check;
  try {
    await prepareWebhook(once, delivery, firstAttemptFollows);
    return { ...check, prepared: 'stored' };
  } catch (err) {
    // A template or destination failure: the workflow gives the slot back.
    if (err instanceof ApplicationFailure && err.nonRetryable) return { ...check, prepared: 'failed' };
    // Retried from the check, whose answer may then differ (paused, quiet hours): the slot goes back first.
    if (check.verdict?.granted) await deps.sendLog.release(rules.userId, rules.key).catch(() => undefined);
    throw err;
  }
}

export function createSendStepActivities(deps: FatigueDeps & WebhookDeps) {
  return {
    checkSendAndPrepare: (input: SendStepInput) => checkSendAndPrepare(deps, input),
  };
}

/** The send check of an entry that attempts the webhook itself (entry-and-send.ts): the delivery is stored with that attempt. */
export function checkSendBeforeFirstAttempt(deps: FatigueDeps & WebhookDeps) {
  return (input: SendStepInput) => checkSendAndPrepare(deps, input, true);
}
