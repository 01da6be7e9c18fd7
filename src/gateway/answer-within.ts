import type { RequestHandler } from 'express';

/**
 * Answers 503 when the database keeps an event post waiting past `ms` (FerretDB busy after a
 * restart, a primary election): the client hears "send again" instead of nothing. The work
 * goes on; what it stored is found again by the retry, whose events carry the same ids.
 */
export function answerWithin(ms: number): RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res
        .status(503)
        .set('Retry-After', String(Math.ceil(ms / 1000)))
        .json({
          error: {
            code: 'unavailable',
            message: `the database did not answer within ${ms / 1000} s; send the events again with the same ids`,
          },
        });
    }, ms);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
