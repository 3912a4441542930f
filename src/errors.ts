// One error vocabulary: every error Bulkhead means to show a person is a BulkheadError with a
// stable code from this registry, which gives its exit status (command line) and HTTP status
// (console API). The command line and the console map errors by code, never by class lists or
// message patterns; anything else reaching them is a bug and is reported as internal.

/** code -> [exit status, HTTP status, what it means]. */
export const ERRORS = {
  BH_USAGE: [1, 400, 'the command line is wrong (an option, a value, a missing argument)'],
  BH_VALIDATION: [2, 400, 'a request or input failed its schema'],
  BH_WEAK_PASSWORD: [2, 400, 'a password too weak to accept'],
  BH_POLICY_INVALID: [2, 400, 'a policy document that does not load (schema, references)'],
  BH_CONFIG_INVALID: [2, 400, 'an appliance configuration file that does not load'],
  BH_CAPTURE: [2, 422, 'a capture file that cannot be read (missing, not a capture, cut short)'],
  BH_UNAUTHENTICATED: [2, 401, 'no valid session'],
  BH_BAD_LOGIN: [2, 401, 'wrong user name or password'],
  BH_SETUP_TOKEN: [2, 401, 'wrong or used one-time setup token'],
  BH_FORBIDDEN: [2, 403, 'the role does not allow it'],
  BH_CSRF: [2, 403, 'a state-changing request without its anti-forgery token'],
  BH_NOT_FOUND: [2, 404, 'no such policy version, user, asset or zone'],
  BH_CONFLICT: [2, 409, 'the change does not fit the current state'],
  BH_SETUP_DONE: [2, 409, 'the first administrator exists already'],
  BH_LOCKED: [2, 423, 'an account locked after failed logins'],
  BH_RATE_LIMITED: [2, 429, 'too many requests'],
  BH_STORE: [2, 503, 'the database cannot be opened or refused a change'],
  BH_LIVE_CAPTURE: [2, 503, 'live capture cannot start on the interface'],
  BH_ENFORCE: [2, 503, 'the rules cannot be put in the kernel, or enforcement cannot start'],
  BH_LISTEN: [2, 503, 'the console cannot listen on its address'],
  BH_SERVICE_MANAGER: [2, 503, 'systemd cannot be notified'],
  BH_BYPASS_DRIVER: [2, 503, 'the bypass relay cannot be driven'],
  BH_INTERNAL: [70, 500, 'a bug: the details are in the log'],
} as const satisfies Record<string, readonly [number, number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export class BulkheadError extends Error {
  readonly exitStatus: number;
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BulkheadError';
    [this.exitStatus, this.statusCode] = ERRORS[code];
  }
}

/** SQLite's answers that are the box's state, not a bug: read-only, full, busy, damaged, unreadable. */
const STORE_REFUSALS = /^SQLITE_(READONLY|FULL|BUSY|LOCKED|CANTOPEN|IOERR|CORRUPT|NOTADB|PERM)/;

/**
 * Any thrown value as the user should see it: a BulkheadError as it is, a refusal of the
 * database (SQLite's codes for the box's state) as BH_STORE, anything else (a constraint or
 * SQL error is a bug) as BH_INTERNAL.
 */
export function toBulkheadError(err: unknown): BulkheadError {
  if (err instanceof BulkheadError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof Error && typeof code === 'string' && STORE_REFUSALS.test(code)) {
    // The store refused (read-only file, full disk, locked too long): say so, not "internal".
    return new BulkheadError('BH_STORE', `the database refused the change (${code}): ${err.message}${code.includes('READONLY') ? " (check the database files' owner and mode)" : ''}`, { cause: err });
  }
  return new BulkheadError('BH_INTERNAL', `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { cause: err });
}
