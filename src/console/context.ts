// What every route of the console works with: the use-cases over one database (app/services),
// the schemas shared by several routes, and the types the route table and the request carry
// (the role a route needs, the session of a request).

import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../app/services.js';
import type { Role, Session } from '../store/user-store.js';

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

/** A feature of the console: a fastify plugin over the use-cases. */
export type Feature = FastifyPluginAsyncTypebox<{ s: Services }>;
/** The console inside one feature, for helpers that register part of its routes. */
export type FeatureApp = Parameters<Feature>[0];

export const RANK: Record<Role, number> = { viewer: 0, operator: 1, engineer: 2, admin: 3 };

/** Who acted, for the audit log: the logged-in user. */
export function actor(session: Session | undefined): string {
  return session?.user.name ?? 'unknown';
}

/** A text field of bounded length. */
export const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
