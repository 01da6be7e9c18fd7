import { z } from 'zod';

/** An instant as the API takes it: ISO 8601 with a zone, such as 2026-11-28T09:00:00Z. */
export const dateTimeSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time such as 2026-11-28T09:00:00Z',
});
