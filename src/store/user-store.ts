// Local accounts of the console (IEC 62443-3-3 SR 1.1, 1.2, 1.5, 1.7, 1.11, 2.1): scrypt-hashed
// passwords with a policy, lockout after repeated failures, roles, sessions, and the one-time
// setup token that creates the first administrator (there is no default password). Every change
// is an audit entry in the same transaction.

import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Db } from './database.js';
import { AuditLog } from './audit-log.js';
import { readSetting, writeSetting } from './settings.js';
import { BulkheadError, type ErrorCode } from '../errors.js';
import type { Role, User } from './records.js';

export { ROLES, type Role, type User } from './records.js';

export interface Session {
  user: User;
  csrf: string;
  expiresAt: number;
}

/** Failures in a row before an account is locked, and for how long (SR 1.11). */
export const MAX_FAILURES = 5;
export const LOCKOUT_SECONDS = 15 * 60;
export const SESSION_SECONDS = 8 * 3600;
export const MIN_PASSWORD_LENGTH = 12;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export type UserRefusal = 'weak_password' | 'bad_login' | 'locked' | 'exists' | 'no_such_user' | 'setup_done' | 'bad_setup_token' | 'last_admin';

const USER_ERRORS: Record<UserRefusal, ErrorCode> = {
  weak_password: 'BH_WEAK_PASSWORD',
  bad_login: 'BH_BAD_LOGIN',
  locked: 'BH_LOCKED',
  exists: 'BH_CONFLICT',
  no_such_user: 'BH_NOT_FOUND',
  setup_done: 'BH_SETUP_DONE',
  bad_setup_token: 'BH_SETUP_TOKEN',
  last_admin: 'BH_CONFLICT',
};

export class UserStoreError extends BulkheadError {
  constructor(
    readonly refusal: UserRefusal,
    message: string,
  ) {
    super(USER_ERRORS[refusal], message);
    this.name = 'UserStoreError';
  }
}

/** Why a password is refused, or undefined. */
export function passwordProblem(name: string, password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'a password has at most 256 characters';
  if (password.toLowerCase().includes(name.toLowerCase())) return 'a password must not contain the user name';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'a password needs three of: lower case, upper case, digits, other characters';
  return undefined;
}

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function passwordMatches(stored: string, password: string): boolean {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(expected, got);
}

/** Session ids and setup tokens are stored hashed: a copy of the database opens no session. */
const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

interface Row {
  name: string;
  role: Role;
  password: string;
  failures: number;
  locked_until: number;
  created_at: number;
  created_by: string;
}

function toUser(r: Row, now: number): User {
  return { name: r.name, role: r.role, createdAt: r.created_at, createdBy: r.created_by, ...(r.locked_until > now ? { lockedUntil: r.locked_until } : {}) };
}

export class UserStore {
  readonly audit: AuditLog;

  constructor(readonly db: Db) {
    this.audit = new AuditLog(db);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  list(now = Date.now() / 1000): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map((r) => toUser(r, now));
  }

  /**
   * The one-time setup token, while no account exists: made (and its hash kept) on first call,
   * returned in clear only then. Undefined once set up, or when a token was already issued.
   */
  issueSetupToken(): string | undefined {
    if (this.count() > 0) return undefined;
    const token = randomBytes(18).toString('base64url');
    writeSetting(this.db, 'console.setup', { hash: digest(token), issuedAt: Date.now() / 1000 });
    return token;
  }

  /** Creates the first administrator with the setup token, which is spent. */
  setup(token: string, name: string, password: string): User {
    return this.db.transaction(() => {
      if (this.count() > 0) throw new UserStoreError('setup_done', 'the console is set up already: log in, or ask an administrator for an account');
      const issued = readSetting<{ hash: string }>(this.db, 'console.setup');
      if (!issued || !timingSafeEqual(Buffer.from(issued.hash), Buffer.from(digest(token)))) throw new UserStoreError('bad_setup_token', 'the setup token is not the one printed when Bulkhead started');
      const user = this.insert(name, 'admin', password, 'setup token');
      writeSetting(this.db, 'console.setup', null);
      return user;
    }).immediate();
  }

  create(name: string, role: Role, password: string, by: string): User {
    return this.db.transaction(() => this.insert(name, role, password, by)).immediate();
  }

  private insert(name: string, role: Role, password: string, by: string): User {
    const weak = passwordProblem(name, password);
    if (weak) throw new UserStoreError('weak_password', weak);
    if (this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(name)) throw new UserStoreError('exists', `a user named ${name} exists already`);
    const now = Date.now() / 1000;
    this.db.prepare('INSERT INTO users (name, role, password, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(name, role, hashPassword(password), now, by);
    this.audit.append(by, 'user.create', name, { role });
    return { name, role, createdAt: now, createdBy: by };
  }

  setRole(name: string, role: Role, by: string): void {
    this.db.transaction(() => {
      const r = this.row(name);
      if (r.role === 'admin' && role !== 'admin') this.keepAnAdmin(name);
      this.db.prepare('UPDATE users SET role = ? WHERE name = ?').run(role, name);
      this.audit.append(by, 'user.role', name, { from: r.role, to: role });
    }).immediate();
  }

  setPassword(name: string, password: string, by: string): void {
    this.db.transaction(() => {
      this.row(name);
      const weak = passwordProblem(name, password);
      if (weak) throw new UserStoreError('weak_password', weak);
      this.db.prepare('UPDATE users SET password = ?, failures = 0, locked_until = 0 WHERE name = ?').run(hashPassword(password), name);
      this.db.prepare('DELETE FROM sessions WHERE name = ?').run(name);
      this.audit.append(by, 'user.password', name);
    }).immediate();
  }

  remove(name: string, by: string): void {
    this.db.transaction(() => {
      const r = this.row(name);
      if (r.role === 'admin') this.keepAnAdmin(name);
      this.db.prepare('DELETE FROM sessions WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
      this.audit.append(by, 'user.delete', name);
    }).immediate();
  }

  /**
   * Checks a login. Failures are counted (an unknown name too, so names cannot be probed by
   * timing); the fifth in a row locks the account for 15 minutes. Success opens a session.
   */
  login(name: string, password: string, from: string, now = Date.now() / 1000): { id: string; session: Session } {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    const ok = passwordMatches(r?.password ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', password);
    // A refused login is counted and audited, committed, and only then reported.
    const outcome = this.db.transaction((): { id: string; session: Session } | UserStoreError => {
      if (!r) {
        this.audit.append(name, 'user.login.failed', name, { from, reason: 'unknown user' });
        return new UserStoreError('bad_login', 'wrong user name or password');
      }
      if (r.locked_until > now) {
        this.audit.append(name, 'user.login.failed', name, { from, reason: 'locked' });
        return new UserStoreError('locked', `the account is locked after ${MAX_FAILURES} failed logins until ${new Date(r.locked_until * 1000).toISOString()}`);
      }
      if (!ok) {
        const failures = r.failures + 1;
        const lock = failures >= MAX_FAILURES;
        this.db.prepare('UPDATE users SET failures = ?, locked_until = ? WHERE name = ?').run(lock ? 0 : failures, lock ? now + LOCKOUT_SECONDS : 0, name);
        this.audit.append(name, lock ? 'user.locked' : 'user.login.failed', name, { from, failures });
        return new UserStoreError(lock ? 'locked' : 'bad_login', lock ? `wrong password ${MAX_FAILURES} times: the account is locked for ${LOCKOUT_SECONDS / 60} minutes` : 'wrong user name or password');
      }
      this.db.prepare('UPDATE users SET failures = 0, locked_until = 0 WHERE name = ?').run(name);
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
      this.db.prepare('INSERT INTO sessions (id, name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(digest(id), name, csrf, now, now + SESSION_SECONDS);
      this.audit.append(name, 'user.login', name, { from });
      return { id, session: { user: toUser(r, now), csrf, expiresAt: now + SESSION_SECONDS } };
    }).immediate();
    if (outcome instanceof UserStoreError) throw outcome;
    return outcome;
  }

  session(id: string, now = Date.now() / 1000): Session | undefined {
    const s = this.db.prepare('SELECT s.csrf, s.expires_at, u.* FROM sessions s JOIN users u ON u.name = s.name WHERE s.id = ?').get(digest(id)) as (Row & { csrf: string; expires_at: number }) | undefined;
    if (!s || s.expires_at < now) return undefined;
    return { user: toUser(s, now), csrf: s.csrf, expiresAt: s.expires_at };
  }

  logout(id: string, name: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sessions WHERE id = ?').run(digest(id));
      this.audit.append(name, 'user.logout', name);
    }).immediate();
  }

  private row(name: string): Row {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    if (!r) throw new UserStoreError('no_such_user', `no user named ${name}`);
    return r;
  }

  private keepAnAdmin(name: string): void {
    const others = (this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND name != ?").get(name) as { n: number }).n;
    if (others === 0) throw new UserStoreError('last_admin', `${name} is the last administrator: make another one first`);
  }
}
