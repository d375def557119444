// A faithful fake of Cloudflare Turnstile for tests: Siteverify with its wire format (form or
// JSON in; success, error-codes, challenge_ts, hostname, action, cdata out; tokens single use and
// valid 300 s; idempotency_key replays the first answer) and a widget script with Turnstile's
// explicit-render API (turnstile.render / reset / remove) whose checkbox "solves" the challenge.
// The only stand-in is the person: clicking the checkbox is the whole challenge.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTurnstile {
  /** Siteverify: pass as the control plane's OTP_CHALLENGE_VERIFY_URL. */
  verifyUrl: string;
  /** The widget: pass as OTP_CHALLENGE_SCRIPT_URL. */
  scriptUrl: string;
  siteKey: string;
  secret: string;
  /** A token as the widget would hand the page after the person solved it. */
  solve(options?: { action?: string; hostname?: string }): string;
  /** Every Siteverify call, in order. */
  calls: { response?: string; remoteip?: string; idempotencyKey?: string }[];
  /** While true, Siteverify answers 500 (Cloudflare having a bad day). */
  failing: boolean;
  stop(): Promise<void>;
}

const TOKEN_TTL_MS = 300_000;

interface Issued {
  action: string;
  hostname: string;
  solvedAt: number;
  spent: boolean;
}

export async function startFakeTurnstile(): Promise<FakeTurnstile> {
  const siteKey = `0x4AAAAAAA${randomBytes(8).toString("hex")}`;
  const secret = `0x4AAAAAAA${randomBytes(16).toString("hex")}`;
  const issued = new Map<string, Issued>();
  const byIdempotencyKey = new Map<string, unknown>();
  const solve = (options: { action?: string; hostname?: string } = {}) => {
    const token = `0.${randomBytes(96).toString("base64url")}`;
    issued.set(token, { action: options.action ?? "", hostname: options.hostname ?? "localhost", solvedAt: Date.now(), spent: false });
    return token;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const send = (status: number, type: string, body: string) => res.writeHead(status, { "content-type": type, "access-control-allow-origin": "*" }).end(body);
      if (req.method === "GET" && url.pathname === "/turnstile/v0/api.js") return send(200, "text/javascript", widgetScript(`http://${req.headers.host}`));
      if (req.method === "GET" && url.pathname === "/fake/solve") {
        if (url.searchParams.get("sitekey") !== siteKey) return send(400, "text/plain", "invalid sitekey");
        return send(200, "text/plain", solve({ action: url.searchParams.get("action") ?? "", hostname: url.searchParams.get("hostname") ?? "localhost" }));
      }
      if (req.method !== "POST" || url.pathname !== "/turnstile/v0/siteverify") return send(404, "text/plain", "not found");
      if (fake.failing) return send(500, "text/plain", "internal error");
      const fields = await readFields(req);
      fake.calls.push({ response: fields.response, remoteip: fields.remoteip, idempotencyKey: fields.idempotency_key });
      const replay = fields.idempotency_key ? byIdempotencyKey.get(fields.idempotency_key) : undefined;
      const answer = replay ?? verify(fields);
      if (fields.idempotency_key && !replay) byIdempotencyKey.set(fields.idempotency_key, answer);
      send(200, "application/json", JSON.stringify(answer));
    })().catch(() => res.writeHead(500).end());
  });

  function verify(fields: Record<string, string | undefined>): unknown {
    const failure = (code: string) => ({ success: false, "error-codes": [code], messages: [] });
    if (!fields.secret) return failure("missing-input-secret");
    if (fields.secret !== secret) return failure("invalid-input-secret");
    if (!fields.response) return failure("missing-input-response");
    const token = issued.get(fields.response);
    if (!token) return failure("invalid-input-response");
    if (token.spent || Date.now() - token.solvedAt > TOKEN_TTL_MS) return failure("timeout-or-duplicate");
    token.spent = true;
    return {
      success: true,
      "error-codes": [],
      challenge_ts: new Date(token.solvedAt).toISOString(),
      hostname: token.hostname,
      action: token.action,
      cdata: "",
      metadata: { interactive: false },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeTurnstile = {
    verifyUrl: `${base}/turnstile/v0/siteverify`,
    scriptUrl: `${base}/turnstile/v0/api.js`,
    siteKey,
    secret,
    solve,
    calls: [],
    failing: false,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}

async function readFields(req: IncomingMessage): Promise<Record<string, string | undefined>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    const json = JSON.parse(body || "{}") as Record<string, unknown>;
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** Turnstile's explicit-render API; the widget is a checkbox that fetches a solved token. */
function widgetScript(base: string): string {
  return `(() => {
  const widgets = new Map();
  let next = 0;
  window.turnstile = {
    render(container, options) {
      const el = typeof container === "string" ? document.querySelector(container) : container;
      const id = "fake-turnstile-" + ++next;
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      label.append(box, " Verify you are human");
      box.addEventListener("change", async () => {
        const query = new URLSearchParams({ sitekey: options.sitekey, action: options.action || "", hostname: location.hostname });
        const reply = await fetch(${JSON.stringify(base)} + "/fake/solve?" + query);
        if (!reply.ok) return options["error-callback"] && options["error-callback"]("110100");
        box.disabled = true;
        options.callback && options.callback(await reply.text());
      });
      el.append(label);
      widgets.set(id, label);
      return id;
    },
    reset(id) { const w = widgets.get(id); if (w) { const b = w.querySelector("input"); b.checked = false; b.disabled = false; } },
    remove(id) { widgets.get(id)?.remove(); widgets.delete(id); },
  };
})();
`;
}
