// The state both app shells keep: the signed-in session — dropped when any request finds it
// revoked (the "lsp:signed-out" event from session.ts) — and the current page, which follows the
// browser's back/forward buttons so every page stays reloadable and linkable.
import { useCallback, useEffect, useState, type MouseEvent } from "react";
import { loadSession, signOut as endSession, signOutEverywhere as endEverySession, type Session } from "./session.js";

export function useShell<Page extends string>(pageOf: (path: string) => Page) {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [page, setPage] = useState<Page>(() => pageOf(window.location.pathname));

  useEffect(() => {
    const onPop = () => setPage(pageOf(window.location.pathname));
    const onSignedOut = () => setSession(undefined);
    window.addEventListener("popstate", onPop);
    window.addEventListener("lsp:signed-out", onSignedOut);
    return () => {
      window.removeEventListener("popstate", onPop);
      window.removeEventListener("lsp:signed-out", onSignedOut);
    };
  }, [pageOf]);

  /** A click handler for an in-app link: history navigation without a page load. */
  const navigate = useCallback(
    (next: Page, path: string) => (event: MouseEvent) => {
      event.preventDefault();
      window.history.pushState(null, "", path);
      setPage(next);
    },
    [],
  );
  // The session leaves this browser at once; the control plane is told in the background.
  const signOut = useCallback(() => {
    void endSession();
    setSession(undefined);
  }, []);
  /** Rejects, keeping the session, when the control plane could not end every session. */
  const signOutEverywhere = useCallback(async () => {
    await endEverySession();
    setSession(undefined);
  }, []);

  return { session, setSession, page, navigate, signOut, signOutEverywhere };
}
