import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-errors';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Bearer-key check; compares digests in constant time so the key cannot be guessed by timing. */
export function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1].trim()), expected)) {
      next(new HttpError(401, 'unauthorized', 'send the API key as "Authorization: Bearer <key>"'));
      return;
    }
    next();
  };
}
