import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { setToken, setUnauthorizedHandler } from '../../api/client';
import { isExpired, loadSession, saveSession, type Session } from './session';

interface AuthValue {
  session: Session | null;
  signIn: (s: Session) => void;
  signOut: () => void;
}

const AuthContext = createContext<AuthValue>({ session: null, signIn: () => {}, signOut: () => {} });

function initial(): Session | null {
  const s = loadSession();
  if (s) setToken(s.token);
  return s;
}

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [session, setSession] = useState<Session | null>(initial);
  const navigate = useNavigate();

  const signIn = useCallback((s: Session) => {
    saveSession(s);
    setToken(s.token);
    setSession(s);
  }, []);
  const signOut = useCallback(() => {
    saveSession(null);
    setToken(null);
    setSession(null);
  }, []);

  // A 401 from the gateway, or the token's own expiry, ends the session with a page that says so.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (!loadSession()) return;
      navigate('/app/expired');
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate]);
  useEffect(() => {
    if (!session || session.expiresAt === 0) return;
    const ms = session.expiresAt * 1000 - Date.now();
    if (ms <= 0 || isExpired(session)) {
      navigate('/app/expired');
      return;
    }
    const t = window.setTimeout(() => navigate('/app/expired'), Math.min(ms, 2 ** 31 - 1));
    return () => window.clearTimeout(t);
  }, [session, navigate]);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth() {
  return useContext(AuthContext);
}
