import type { ProfileRepository } from '../src/db/profiles';
import type { Properties } from '../src/domain/event';
import { journeyScope, type JourneyRef, type JourneyScope } from '../src/domain/scope';

/** The scope of templates and conditions, with the user's profile as it is now. */
export async function loadScope(profiles: Pick<ProfileRepository, 'get'>, ref: JourneyRef): Promise<JourneyScope> {
  const profile = await profiles.get(ref.userId);
  return journeyScope(ref, profile?.properties as Properties | undefined);
}
