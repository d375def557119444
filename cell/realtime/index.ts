// Real-time delivery for the cell: socket.io rooms per tenant location and GraphQL subscription
// events, across API replicas through Redis. See docs/cell-realtime.md.
export { attachRealtime, type Realtime, type AttachRealtimeDeps } from "./attach.js";
export { createRealtimePublisher, type RealtimePublisher, type SaleRecorded, type PaymentRecorded } from "./publisher.js";
export { createRealtimePubSub, type RealtimePubSub, type RealtimeTopics } from "./pubsub.js";
export { createSocketServer, type RealtimeDeps, type SubscribeReply } from "./socket-server.js";
export { loadDashboardSnapshot } from "./snapshot.js";
export { locationRoom, SOCKET_EVENTS, type DashboardSnapshot, type SaleEvent, type PaymentEvent, type RealtimeEvent } from "./events.js";
