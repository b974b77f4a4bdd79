import { describe, expect, it } from 'vitest';
import { hasRole, isExpired, sessionFromToken } from './session';

function jwt(claims: object): string {
  const enc = (o: object) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  return `${enc({ alg: 'HS256' })}.${enc(claims)}.sig`;
}

describe('sessionFromToken', () => {
  it('reads roles, municipality, departments and expiry, Japanese included', () => {
    const s = sessionFromToken(
      jwt({ sub: '職員-1', roles: ['editor'], municipality: '142140', departments: ['kosodate'], exp: 2000 }),
      '所管課',
    );
    expect(s).not.toBeNull();
    expect(s!.subject).toBe('職員-1');
    expect(s!.roles).toEqual(['editor']);
    expect(s!.departments).toEqual(['kosodate']);
    expect(isExpired(s!, 1999)).toBe(false);
    expect(isExpired(s!, 2000)).toBe(true);
  });
  it('refuses what is not a JWT', () => {
    expect(sessionFromToken('abc', 'x')).toBeNull();
    expect(sessionFromToken('a.!!!.c', 'x')).toBeNull();
  });
  it('treats admin as every role and nobody as none', () => {
    const admin = sessionFromToken(jwt({ roles: ['admin'], exp: 0 }), 'a');
    expect(hasRole(admin, 'planner')).toBe(true);
    const viewer = sessionFromToken(jwt({ roles: ['viewer'] }), 'v');
    expect(hasRole(viewer, 'planner', 'editor')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });
});
