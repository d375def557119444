// Free text from clients (names, notes). Postgres text and jsonb cannot hold U+0000: such a value
// is refused on its field here, instead of failing in the database as an unexpected error.
import { z } from "zod";

// eslint-disable-next-line no-control-regex
const NO_NUL = /^[^\u0000]*$/;

export function text(): z.ZodString {
  return z.string().regex(NO_NUL, "must not contain the NUL character (U+0000)");
}
