// Just enough socket.io (Engine.IO v4 over a raw WebSocket) for a dashboard subscriber: open,
// CONNECT with the access token as auth payload, subscribe to a location with an ack, answer
// pings, and hand every `sale` event to the caller. Packet types: Engine.IO 0 open, 2 ping,
// 3 pong, 4 message; inside 4, socket.io 0 CONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR.
import { WebSocket } from "k6/websockets";

export function subscribe(target, { onSubscribed, onSale, onError, seconds }) {
  const ws = new WebSocket(`${target.wsUrl}/socket.io/?EIO=4&transport=websocket`);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    ws.close();
  };
  ws.onmessage = (event) => {
    const packet = String(event.data);
    if (packet.startsWith("0")) {
      ws.send(`40${JSON.stringify({ token: target.token })}`);
    } else if (packet === "2") {
      ws.send("3");
    } else if (packet.startsWith("40")) {
      ws.send(`420${JSON.stringify(["subscribe", { locationId: target.locationId }])}`);
    } else if (packet.startsWith("44")) {
      onError(`connect refused: ${packet.slice(2)}`);
      close();
    } else if (packet.startsWith("430")) {
      const [reply] = JSON.parse(packet.slice(3));
      if (reply && reply.ok) onSubscribed();
      else onError(`subscribe refused: ${JSON.stringify(reply)}`);
    } else if (packet.startsWith("42")) {
      const [name, payload] = JSON.parse(packet.slice(2));
      if (name === "sale") onSale(payload);
    }
  };
  ws.onerror = (e) => {
    onError(`socket error: ${e.error}`);
    close();
  };
  setTimeout(close, seconds * 1000);
}
