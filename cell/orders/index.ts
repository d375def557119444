export { createOrder, replayOrder, requestHash, OrderInputError, CHANNELS, PAYMENT_METHODS, type OrderRequest, type CreatedOrder } from "./create-order.js";
