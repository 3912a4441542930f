// The console's errors: the codes, HTTP statuses and messages of the one error registry
// (src/errors.ts). Tests assert codes; people read messages. Fastify's own refusals (schema
// validation, rate limit, unknown routes) are mapped onto it here.

import { BulkheadError, toBulkheadError, type ErrorCode } from '../errors.js';

export type { ErrorCode };

/** An error a console route raises itself (unauthenticated, forbidden, not found, ...). */
export class ConsoleError extends BulkheadError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'ConsoleError';
  }
}

/** Any error as the console reports it: an internal one says only where the details are. */
export function toConsoleError(err: unknown): BulkheadError {
  if (err instanceof BulkheadError) return err;
  const e = err as { validation?: { instancePath: string; message?: string }[]; validationContext?: string; statusCode?: number; message?: string };
  if (e?.validation) {
    const where = e.validationContext ?? 'request';
    return new ConsoleError('BH_VALIDATION', e.validation.map((v) => `${where}${v.instancePath || ''}: ${v.message ?? 'is not valid'}`).join('; '));
  }
  if (e?.statusCode === 429) return new ConsoleError('BH_RATE_LIMITED', 'too many requests: wait a minute and try again');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ConsoleError(e.statusCode === 404 ? 'BH_NOT_FOUND' : 'BH_VALIDATION', e.message ?? 'bad request');
  const known = toBulkheadError(err);
  return known.code === 'BH_INTERNAL' ? new ConsoleError('BH_INTERNAL', 'internal error: the details are in the console log') : known;
}
