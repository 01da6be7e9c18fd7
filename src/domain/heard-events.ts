// Which event names a campaign reacts to, for the gateway's routing and the workers'
// decision whether a system event needs routing at all. Pure.
import type { Campaign } from './campaign';

/** Event names a campaign's running journeys listen for besides its trigger: exits, goal, awaited events. */
export function listenedEvents(definition: Campaign): string[] {
  const awaited = definition.steps.flatMap((step) => (step.type === 'waitForEvent' ? [step.event] : []));
  const goal = definition.goal ? [definition.goal.event] : [];
  // A trigger event already reaches the running journey through signalWithStart.
  return [...definition.exitOn.map((f) => f.event), ...goal, ...awaited].filter(
    (name) => name !== definition.trigger.event,
  );
}

/** Every event name some live campaign reacts to: the triggers of active ones, and what running journeys listen for. */
export function heardEvents(live: Array<{ definition: Campaign; status: string }>): Set<string> {
  const names = new Set<string>();
  for (const { definition, status } of live) {
    if (status === 'active') names.add(definition.trigger.event);
    for (const name of listenedEvents(definition)) names.add(name);
  }
  return names;
}
