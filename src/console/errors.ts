// The console's errors: the codes, HTTP statuses and messages of the one error registry
// (src/errors.ts). Tests assert codes; people read messages. Fastify's own refusals (schema
// validation, rate limit, unknown routes) are mapped onto it here.

import { BulkheadError, ERRORS, toBulkheadError, type ErrorCode } from '../errors.js';

export type { ErrorCode };

/** An error a console route raises itself (unauthenticated, forbidden, not found, ...). */
export class ConsoleError extends BulkheadError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'ConsoleError';
  }
}

/** Any error as the console reports it: one of the box's own failures (5xx) by its meaning only. */
export function toConsoleError(err: unknown): BulkheadError {
  const known = err instanceof BulkheadError ? err : (fastifyRefusal(err) ?? toBulkheadError(err));
  return known.statusCode >= 500 ? new ConsoleError(known.code, `${ERRORS[known.code][2]}: the details are in the console log`) : known;
}

/** Fastify's own refusals (schema validation, rate limit, other 4xx) in the registry's terms. */
function fastifyRefusal(err: unknown): BulkheadError | undefined {
  const e = err as { validation?: { instancePath: string; message?: string }[]; validationContext?: string; statusCode?: number; message?: string };
  if (e?.validation) {
    const where = e.validationContext ?? 'request';
    return new ConsoleError('BH_VALIDATION', e.validation.map((v) => `${where}${v.instancePath || ''}: ${v.message ?? 'is not valid'}`).join('; '));
  }
  if (e?.statusCode === 429) return new ConsoleError('BH_RATE_LIMITED', 'too many requests: wait a minute and try again');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ConsoleError(e.statusCode === 404 ? 'BH_NOT_FOUND' : 'BH_VALIDATION', e.message ?? 'bad request');
  return undefined;
}
