import { createContext, type ReactNode, useContext, useMemo, useState } from "react";
import { type AdminClient, createAdminClient } from "./api/client";

/**
 * Who is signed in: an admin key, kept in sessionStorage (gone when the tab closes, never
 * in a URL, a cookie or a log). The server decides what the key may do.
 */
const STORAGE_KEY = "beckon.console.adminKey";

interface Session {
  api: AdminClient;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in console");
  return s;
}

export function useApi(): AdminClient {
  return useSession().api;
}

export function readStoredKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string) {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function SessionProvider({
  adminKey,
  onSignOut,
  children,
}: {
  adminKey: string;
  onSignOut(reason?: string): void;
  children: ReactNode;
}) {
  const [expired] = useState(() => ({ fired: false }));
  const value = useMemo<Session>(() => {
    const signOut = (reason?: string) => {
      sessionStorage.removeItem(STORAGE_KEY);
      onSignOut(reason);
    };
    const api = createAdminClient(adminKey, () => {
      if (expired.fired) return;
      expired.fired = true;
      signOut("The admin key was refused (revoked or mistyped). Sign in again.");
    });
    return { api, signOut: () => signOut() };
  }, [adminKey, onSignOut, expired]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
