import { hasRole, type Session } from './session';

/** Where a person lands after signing in: the work of their role. */
export function homeFor(s: Session): string {
  if (hasRole(s, 'planner')) return '/app/review';
  if (s.roles.includes('editor')) return '/app/entry';
  if (s.roles.includes('viewer')) return '/app/plans';
  return '/';
}
