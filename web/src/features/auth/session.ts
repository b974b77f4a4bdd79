// The signed-in session: the bearer token and what its claims say about the person, for display and
// for choosing screens only — the gateway checks every request against the token itself.
export type Role = 'admin' | 'planner' | 'editor' | 'viewer' | 'public';

export interface Session {
  token: string;
  label: string;
  subject: string;
  roles: Role[];
  municipality: string;
  departments: string[]; // department ids ("kikaku")
  expiresAt: number; // seconds since the epoch
  idToken?: string; // signed in at the city's OpenID provider: to end its session at sign-out
}

const KEY = 'sokei.session';

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims of a JWT (unverified: the gateway verifies). Null when it is not a JWT. */
export function sessionFromToken(token: string, label: string): Session | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const c = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
    const roles = Array.isArray(c.roles) ? (c.roles as Role[]) : [];
    return {
      token,
      label,
      subject: typeof c.sub === 'string' ? c.sub : '',
      roles,
      municipality: typeof c.municipality === 'string' ? c.municipality : '',
      departments: Array.isArray(c.departments) ? (c.departments as string[]) : [],
      expiresAt: typeof c.exp === 'number' ? c.exp : 0,
    };
  } catch {
    return null;
  }
}

export function isExpired(s: Session, nowSeconds: number = Date.now() / 1000): boolean {
  return s.expiresAt !== 0 && s.expiresAt <= nowSeconds;
}

export function hasRole(s: Session | null, ...roles: Role[]): boolean {
  return !!s && s.roles.some((r) => roles.includes(r) || r === 'admin');
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

/** What the gateway serves at /console/config.json. */
export interface ConsoleConfig {
  auth: 'dev' | 'oidc' | 'public';
  municipality: string;
  roles?: Array<{ role: string; label: string; token: string }>;
  oidc?: { issuer: string; clientId: string; scope: string };
}
