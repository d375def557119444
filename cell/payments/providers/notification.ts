// What every provider callback is reduced to once its signature holds.
import type { Provider } from "../config.js";

export interface PaymentNotification {
  provider: Provider;
  /** The provider's transaction id: the exactly-once key (with tenant and provider). */
  providerRef: string;
  /** The order's uuid, or undefined when the reference does not name one of ours. */
  orderId: string | undefined;
  amountVnd: bigint;
  /** The provider reports the customer paid (false: cancelled, failed, expired...). */
  succeeded: boolean;
  /** The provider's own result code, for logs. */
  providerResult: string;
}
