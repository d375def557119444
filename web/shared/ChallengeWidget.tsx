// The challenge the control plane offers when strangers have spent a phone's sign-in codes
// (Cloudflare Turnstile, explicit rendering; ADR 0510). Loads the widget's script once, renders it,
// and hands the solved token up; a new `attempt` renders a fresh widget (tokens are single use).
import { useEffect, useRef } from "react";
import type { ChallengeOffer } from "./session.js";

interface TurnstileApi {
  render(container: HTMLElement, options: { sitekey: string; action: string; callback(token: string): void; "error-callback"?(code: string): void }): string;
  remove(id: string): void;
}

declare global {
  interface Window {
    turnstile?: TurnstileApi;
  }
}

const scripts = new Map<string, Promise<TurnstileApi>>();

function loadTurnstile(src: string): Promise<TurnstileApi> {
  let loading = scripts.get(src);
  if (!loading) {
    loading = new Promise<TurnstileApi>((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${src}${src.includes("?") ? "&" : "?"}render=explicit`;
      script.async = true;
      script.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error("the challenge did not load")));
      script.onerror = () => reject(new Error("the challenge could not be loaded"));
      document.head.append(script);
    });
    // A failed load may be retried with the next offer.
    loading.catch(() => scripts.delete(src));
    scripts.set(src, loading);
  }
  return loading;
}

export function ChallengeWidget({ offer, attempt, onSolved, onError }: { offer: ChallengeOffer; attempt: number; onSolved(token: string): void; onError(message: string): void }) {
  const container = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onSolved, onError });
  handlers.current = { onSolved, onError };

  useEffect(() => {
    let widget: string | undefined;
    let gone = false;
    loadTurnstile(offer.scriptUrl).then(
      (turnstile) => {
        if (gone || !container.current) return;
        widget = turnstile.render(container.current, {
          sitekey: offer.siteKey,
          action: offer.action,
          callback: (token) => handlers.current.onSolved(token),
          "error-callback": (code) => handlers.current.onError(`challenge error ${code}`),
        });
      },
      (error: Error) => handlers.current.onError(error.message),
    );
    return () => {
      gone = true;
      if (widget !== undefined) window.turnstile?.remove(widget);
    };
  }, [offer.scriptUrl, offer.siteKey, offer.action, attempt]);

  return <div ref={container} className="challenge" />;
}
