// Strings the router keeps and writes on every request (a route's head tail, a connection's
// X-Forwarded-For line) are built once with template literals, which V8 keeps as a tree of
// pieces until something needs them contiguous. Each request head they are part of is flattened
// for the socket write, walking every such tree again: 4 % of the router's CPU under load
// (perf, String::WriteToFlat2), 1 % once the kept strings are made contiguous when built.

/**
 * The same characters as one contiguous string. Only for latin1 text (HTTP head lines), which
 * is what these strings are and how they are written. A copy through a Buffer rather than a
 * trick like `Number(s)`, which the optimiser may drop because its result is unused.
 */
export function flat(latin1: string): string {
  return Buffer.from(latin1, "latin1").toString("latin1");
}
