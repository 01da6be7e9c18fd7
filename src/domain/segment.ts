// A named, reusable audience: campaigns, branches and other segments refer to it by id.
import { z } from 'zod';
import { conditionSchema, segmentIdSchema } from './condition-schema';

export { segmentIdSchema };

/** How deep segments may refer to segments; deeper chains (and cycles) are refused when saved. */
export const MAX_SEGMENT_DEPTH = 5;

export const segmentSchema = z.strictObject({
  id: segmentIdSchema,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(2000).optional(),
  condition: conditionSchema,
});

export type Segment = z.infer<typeof segmentSchema>;
