// How sign-in codes and invites reach a phone. Production plugs in a gateway behind SmsProvider;
// development and tests use the outbox, which keeps messages in the control plane's volatile state
// (Redis, or process memory in single-process mode) where the local platform, the dev endpoint and
// tests read them. Nothing in this repository sends a real SMS.
import { ControlPlaneError } from "./errors.js";
import type { BoundedLists } from "./volatile-state.js";

export interface SmsMessage {
  to: string;
  text: string;
  sentAt: string;
}

export interface SmsProvider {
  readonly name: string;
  send(to: string, text: string): Promise<void>;
}

/** Kept bounded so a long-running dev platform never grows its store without limit. */
const OUTBOX_LIMIT = 1_000;

export class OutboxSmsProvider implements SmsProvider {
  readonly name = "outbox";
  private readonly key: string;

  constructor(
    private readonly lists: BoundedLists,
    keyPrefix = "",
  ) {
    this.key = `${keyPrefix}sms:outbox`;
  }

  async send(to: string, text: string): Promise<void> {
    const message: SmsMessage = { to, text, sentAt: new Date().toISOString() };
    await this.lists.push(this.key, JSON.stringify(message), OUTBOX_LIMIT);
  }

  /** Newest first; `to` narrows to one phone (E.164). */
  async read(options: { to?: string; limit?: number } = {}): Promise<SmsMessage[]> {
    const raw = await this.lists.newest(this.key, OUTBOX_LIMIT);
    const all = raw.map((r) => JSON.parse(r) as SmsMessage);
    const mine = options.to ? all.filter((m) => m.to === options.to) : all;
    return mine.slice(0, options.limit ?? 50);
  }
}

/** Sends through `sms`, turning a gateway failure into a coded 503 the caller can retry. */
export async function sendSms(sms: SmsProvider, to: string, text: string): Promise<void> {
  try {
    await sms.send(to, text);
  } catch (error) {
    // The gateway's own words (which may quote its account or reply body) go to the log, not the client.
    throw new ControlPlaneError("SMS_UNAVAILABLE", `the SMS could not be sent (${sms.name} unavailable); try again shortly`, {}, { cause: error });
  }
}

export const smsText = {
  otp: (code: string, ttlSeconds: number) =>
    `LocalStore: ma xac thuc cua ban la ${code}. Ma het han sau ${Math.round(ttlSeconds / 60)} phut. Khong chia se ma nay voi bat ky ai.`,
  invite: (tenantName: string, code: string, days: number) =>
    `LocalStore: ban duoc moi tham gia ${tenantName}. Dang nhap app.localstoreplatform.com va nhap ma moi ${code} (het han sau ${days} ngay).`,
};
