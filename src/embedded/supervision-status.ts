// What `npm start`'s supervisor tells the gateway over IPC about the processes it runs: the
// gateway shows it in /healthz and counts restarts in /metrics.
import { z } from 'zod';

export const SUPERVISION_MESSAGE = 'hookway-supervision';

const partStatus = z.object({
  name: z.string(),
  state: z.enum(['starting', 'running', 'restarting', 'stopped', 'failed']),
  /** Restarts after exits nobody asked for, since `npm start`. */
  restarts: z.number().int().nonnegative(),
  /** How the last such exit happened: exit code or signal, and the last line printed. */
  lastExit: z.string().optional(),
});

export const supervisionStatus = z.object({
  parts: z.array(partStatus),
  /** Set when the supervisor gave up, with why. */
  gaveUp: z.string().optional(),
});

export const supervisionMessage = z.object({ type: z.literal(SUPERVISION_MESSAGE), status: supervisionStatus });

export type PartStatus = z.infer<typeof partStatus>;
export type SupervisionStatus = z.infer<typeof supervisionStatus>;
