// Entering each user at a local time in their own zone. A schedule with `localTime` fires in
// the earliest zone on Earth (UTC+14), so no zone's moment has passed yet; the fan-out then
// splits the audience into one group per zone and waits, per group, until that zone's clock
// shows the wall time of the firing. Users whose zone is missing or invalid go with the
// default zone. Pure: the fan-out workflow plans its phases with it.
import type { Condition } from './condition';
import type { FanOutPhase, LocalTimeEntry } from './fan-out';
import { sameWallTime } from './local-time';

export const EARLIEST_ZONE = 'Pacific/Kiritimati';

/** One phase per zone in use, earliest first; `zones` holds valid zone names only. */
export function localTimePhases(
  firedAt: number,
  audience: Condition,
  entry: LocalTimeEntry,
  zones: string[],
): FanOutPhase[] {
  const field = `user.properties.${entry.property}`;
  const others = zones.filter((z) => z !== entry.defaultZone);
  const phases: FanOutPhase[] = others.map((zone) => ({
    at: sameWallTime(firedAt, EARLIEST_ZONE, zone),
    audience: { all: [audience, { field, op: 'eq', value: zone }] },
    label: zone,
  }));
  phases.push({
    at: sameWallTime(firedAt, EARLIEST_ZONE, entry.defaultZone),
    audience: others.length > 0 ? { all: [audience, { not: { field, op: 'in', value: others } }] } : audience,
    label: entry.defaultZone,
  });
  return phases.sort((a, b) => a.at - b.at);
}
