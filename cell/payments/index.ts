// Payment provider callbacks (MoMo IPN, ZaloPay callback, VNPay IPN): verified with each
// provider's signature scheme, applied exactly once, answered in each provider's format.
export { createPaymentWebhookHandlers, PAYMENT_WEBHOOK_PATHS, type PaymentWebhookDeps, type PaymentWebhookHandlers } from "./handlers.js";
export { parsePaymentConfig, loadPaymentConfigFile, InvalidPaymentConfigError, type PaymentConfig, type PaymentConfigInput, type Provider } from "./config.js";
export { recordPayment, type RecordedPayment } from "./record-payment.js";
export { compactOrderRef, zaloPayTransId } from "./providers/order-ref.js";
