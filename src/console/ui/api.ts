// The console API from the browser: JSON in and out, the session's CSRF token on every change,
// and the API's error (code and message) as the thrown error. The replies' types come from the
// API's own schemas (app/schemas.ts), so the page and the server cannot disagree on a field.

import type { Me } from '../../app/schemas.js';

export type { Me } from '../../app/schemas.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let csrf = '';
export function setCsrf(token: string): void {
  csrf = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const data = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  if (!res.ok) {
    const e = data as { code?: string; message?: string };
    throw new ApiError(e.code ?? 'BH_HTTP', e.message ?? `${res.status} ${res.statusText}`, res.status);
  }
  return data as T;
}

const RANK = { viewer: 0, operator: 1, engineer: 2, admin: 3 } as const;
export function may(me: Me | undefined, role: keyof typeof RANK): boolean {
  return me !== undefined && RANK[me.role] >= RANK[role];
}
