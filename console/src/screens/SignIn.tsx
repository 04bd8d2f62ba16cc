import { type FormEvent, useId, useState } from "react";
import { createAdminClient, ok } from "../api/client";
import { storeKey } from "../session";

/** Sign-in with an app's admin key (locally; in production put the console behind Cloudflare Access, see the README). */
export function SignIn({ notice, onSignedIn }: { notice?: string; onSignedIn(key: string): void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const errorId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError("Enter an admin key.");
    setBusy(true);
    setError(undefined);
    try {
      await ok(createAdminClient(trimmed, () => {}).GET("/admin/app"));
      storeKey(trimmed);
      onSignedIn(trimmed);
    } catch (err) {
      setError(err instanceof Error ? `Sign-in failed: ${err.message}` : "Sign-in failed.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <h1>Beckon console</h1>
        <p>
          Sign in with an admin key of your app (<code>npm start</code> prints the demo app's).
        </p>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor={inputId}>Admin key</label>
        <input
          id={inputId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
        />
        {error && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
