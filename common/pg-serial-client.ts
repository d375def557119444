// A pg Client that runs its promise-style queries one after another. Prisma's pg adapter sends
// sibling queries of one operation at once on a transaction's client (its query interpreter maps
// them in parallel). pg queues them, but doing so is deprecated and pg@9 will refuse it. Waiting
// here for the previous query to settle is the same order pg's queue gives, made explicit.
import pg from "pg";

export class SerialClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const plain = this.query.bind(this) as (...args: unknown[]) => unknown;
    let last: Promise<unknown> = Promise.resolve();
    this.query = ((...args: unknown[]) => {
      const first = args[0] as { submit?: unknown } | undefined;
      // Callback and submittable forms (cursors, streams) keep pg's own handling.
      if (typeof args[args.length - 1] === "function" || typeof first?.submit === "function") return plain(...args);
      const run = () => plain(...args);
      const result = last.then(run, run);
      last = result.catch(() => {});
      return result;
    }) as pg.Client["query"];
  }
}
