// Structured JSON logs for every component (pino). Child loggers carry the component name;
// request handlers add requestId and traceId.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(component: string, level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info")): Logger {
  return pino({ name: component, level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime });
}
