// SMS through SpeedSMS (speedsms.vn), a Vietnamese gateway. Wire format as in SpeedSMS's own
// client samples — verify against their current API documentation before production:
//   POST {baseUrl}/sms/send, Authorization: Basic base64("<access token>:x"), JSON
//   { to: ["84912345678"], content, sms_type, sender }
//   → { status: "success", code: "00", data: { tranId, totalSMS, totalPrice, invalidPhone: [] } }
//   → { status: "error", code, message, invalidPhone? }
import type { SmsProvider } from "./sms.js";

export interface SpeedSmsOptions {
  accessToken: string;
  /** 2 random number, 3 brandname, 4 default brandname (Verify/Notify), 5 Android app. */
  smsType?: 2 | 3 | 4 | 5;
  /** Registered brandname (types 3) or device id (type 5); empty otherwise. */
  sender?: string;
  baseUrl?: string;
  timeoutMs?: number;
}

interface SpeedSmsResponse {
  status?: string;
  code?: string;
  message?: string;
  invalidPhone?: string[];
  data?: { tranId?: number; invalidPhone?: string[] };
}

export class SpeedSmsProvider implements SmsProvider {
  readonly name = "speedsms";
  private readonly url: string;
  private readonly authorization: string;

  constructor(private readonly options: SpeedSmsOptions) {
    if (!options.accessToken) throw new Error("SpeedSMS needs an access token (SPEEDSMS_ACCESS_TOKEN)");
    this.url = `${(options.baseUrl ?? "https://api.speedsms.vn/index.php").replace(/\/$/, "")}/sms/send`;
    this.authorization = `Basic ${Buffer.from(`${options.accessToken}:x`).toString("base64")}`;
  }

  async send(to: string, text: string): Promise<void> {
    // The gateway takes the number without "+".
    const phone = to.replace(/^\+/, "");
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: this.authorization },
      body: JSON.stringify({ to: [phone], content: text, sms_type: this.options.smsType ?? 2, sender: this.options.sender ?? "" }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const raw = await res.text();
    if (!res.ok) throw new Error(`SpeedSMS answered HTTP ${res.status}: ${raw.slice(0, 200)}`);
    let body: SpeedSmsResponse;
    try {
      body = JSON.parse(raw) as SpeedSmsResponse;
    } catch {
      throw new Error(`SpeedSMS answered non-JSON: ${raw.slice(0, 200)}`);
    }
    if (body.status !== "success") throw new Error(`SpeedSMS refused the message: code ${body.code ?? "?"}: ${body.message ?? "no message"}`);
    const invalid = [...(body.data?.invalidPhone ?? []), ...(body.invalidPhone ?? [])];
    if (invalid.includes(phone)) throw new Error(`SpeedSMS reports ${to} as an invalid phone`);
  }
}
