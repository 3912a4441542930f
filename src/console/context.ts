// What every route of the console works with: the stores over one database, and the types the
// route table and the request carry (the role a route needs, the session of a request).

import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type { Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { UserStore, type Role, type Session } from '../store/user-store.js';

export type Access = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: every /api route says so, or the console refuses to start. */
    role?: Access;
  }
  interface FastifyRequest {
    session?: Session;
    sessionId?: string;
  }
}

export interface Stores {
  db: Db;
  users: UserStore;
  policies: PolicyStore;
  learn: LearnStore;
  events: EventStore;
}

export function stores(db: Db): Stores {
  return { db, users: new UserStore(db), policies: new PolicyStore(db), learn: new LearnStore(db), events: new EventStore(db) };
}

export const RANK: Record<Role, number> = { viewer: 0, operator: 1, engineer: 2, admin: 3 };

/** Who acted, for the audit log: the logged-in user. */
export function actor(session: Session | undefined): string {
  return session?.user.name ?? 'unknown';
}

/** Response schemas for records whose shape is the learning or policy model's own. */
export const anyObject = { type: 'object', additionalProperties: true } as const;
export const anyArray = { type: 'array', items: anyObject } as const;
/** The reply of a change that has nothing more to say. */
export const okReply = { type: 'object', properties: { ok: { type: 'boolean' } } } as const;
export const problem = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } as const;
