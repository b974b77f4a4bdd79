// The one way the console talks to Sokei: the gateway's REST API, typed from its own /openapi.json
// (schema.d.ts is generated at build time by `npm run gen:api`; a route change that breaks a
// screen breaks the build). The session's bearer token rides on every request.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Observation = Schemas['sokei.kpi.v1.Observation'];
export type RollupResult = Schemas['sokei.kpi.v1.RollupResult'];
export type IndicatorResult = Schemas['sokei.kpi.v1.IndicatorResult'];
export type Evaluation = Schemas['sokei.kpi.v1.Evaluation'];
export type Measurement = Schemas['sokei.type.v1.Measurement'];
export type Plan = Schemas['sokei.plan.v1.Plan'];

/** A refusal from the API: the HTTP status, the gRPC status message and the reason/field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly field: string,
  ) {
    super(message);
  }
}

let currentToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setToken(token: string | null) {
  currentToken = token;
}
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (currentToken) request.headers.set('Authorization', `Bearer ${currentToken}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && onUnauthorized) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

type StatusBody = {
  code?: number;
  message?: string;
  details?: Array<Record<string, unknown>>;
};

/** The reason (ErrorInfo.reason) and the field (BadRequest) a google.rpc.Status names. */
export function describeStatus(body: unknown): { message: string; reason: string; field: string } {
  const s = (body ?? {}) as StatusBody;
  let reason = '';
  let field = '';
  for (const d of s.details ?? []) {
    if (typeof d.reason === 'string') reason = d.reason;
    const violations = d.fieldViolations as Array<{ field?: string }> | undefined;
    if (violations && violations[0]?.field) field = violations[0].field;
  }
  return { message: s.message ?? '', reason, field };
}

/** The data of an openapi-fetch result, or an ApiError to throw (TanStack Query shows it). */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    const { message, reason, field } = describeStatus(r.error);
    throw new ApiError(r.response.status, message || r.response.statusText, reason, field);
  }
  return r.data as T;
}

/** "municipalities/142140/plans/next" → { municipality: "142140", plan: "next" } */
export function planParts(name: string): { municipality: string; plan: string } {
  const p = name.split('/');
  return { municipality: p[1] ?? '', plan: p[3] ?? '' };
}
