// The console's errors: a registry with stable codes, HTTP statuses and messages that say what to
// fix. Tests assert codes; people read messages. Errors from the stores map onto it here.

import { PolicyError } from '../policy/document.js';
import { ZoneEditError } from '../policy/edit.js';
import { PolicyStoreError } from '../store/policy-store.js';
import { UserStoreError } from '../store/user-store.js';

export const ERRORS = {
  BH_VALIDATION: 400,
  BH_WEAK_PASSWORD: 400,
  BH_POLICY_INVALID: 400,
  BH_UNAUTHENTICATED: 401,
  BH_BAD_LOGIN: 401,
  BH_SETUP_TOKEN: 401,
  BH_FORBIDDEN: 403,
  BH_CSRF: 403,
  BH_NOT_FOUND: 404,
  BH_CONFLICT: 409,
  BH_SETUP_DONE: 409,
  BH_LOCKED: 423,
  BH_RATE_LIMITED: 429,
  BH_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ConsoleError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
    this.statusCode = ERRORS[code];
  }
}

const USER_ERRORS: Record<UserStoreError['code'], ErrorCode> = {
  weak_password: 'BH_WEAK_PASSWORD',
  bad_login: 'BH_BAD_LOGIN',
  locked: 'BH_LOCKED',
  exists: 'BH_CONFLICT',
  no_such_user: 'BH_NOT_FOUND',
  setup_done: 'BH_SETUP_DONE',
  bad_setup_token: 'BH_SETUP_TOKEN',
  last_admin: 'BH_CONFLICT',
};

/** Any error as the console reports it. */
export function toConsoleError(err: unknown): ConsoleError {
  if (err instanceof ConsoleError) return err;
  if (err instanceof UserStoreError) return new ConsoleError(USER_ERRORS[err.code], err.message);
  if (err instanceof PolicyError) return new ConsoleError('BH_POLICY_INVALID', err.message);
  if (err instanceof ZoneEditError) return new ConsoleError('BH_CONFLICT', err.message);
  if (err instanceof PolicyStoreError) return new ConsoleError(/^no (policy|user)/.test(err.message) ? 'BH_NOT_FOUND' : 'BH_CONFLICT', err.message);
  const e = err as { validation?: { instancePath: string; message?: string }[]; validationContext?: string; statusCode?: number; message?: string };
  if (e?.validation) {
    const where = e.validationContext ?? 'request';
    return new ConsoleError('BH_VALIDATION', e.validation.map((v) => `${where}${v.instancePath || ''}: ${v.message ?? 'is not valid'}`).join('; '));
  }
  if (e?.statusCode === 429) return new ConsoleError('BH_RATE_LIMITED', 'too many requests: wait a minute and try again');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ConsoleError(e.statusCode === 404 ? 'BH_NOT_FOUND' : 'BH_VALIDATION', e.message ?? 'bad request');
  return new ConsoleError('BH_INTERNAL', 'internal error: the details are in the console log');
}
