// Postgres names for a cell. Cell names are Kubernetes DNS labels ("shared-1"); Postgres
// identifiers are limited to 63 bytes, so long names keep a readable prefix and a hash suffix
// that keeps them unique.
import { createHash } from "node:crypto";

export interface CellDatabaseNames {
  schema: string;
  role: string;
}

const CELL_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_IDENTIFIER = 63;
const ROLE_SUFFIX = "_api";

export class InvalidCellNameError extends Error {
  constructor(cellName: string) {
    super(`cellName '${cellName}' is not a valid cell name: expected a DNS label (lowercase letters, digits and '-', 1-63 characters, starting and ending with a letter or digit)`);
    this.name = "InvalidCellNameError";
  }
}

export function cellDatabaseNames(cellName: string): CellDatabaseNames {
  if (!CELL_NAME.test(cellName)) throw new InvalidCellNameError(cellName);
  const base = `cell_${cellName.replaceAll("-", "_")}`;
  const fitted = fit(base, cellName, MAX_IDENTIFIER - ROLE_SUFFIX.length);
  return { schema: fitted, role: `${fitted}${ROLE_SUFFIX}` };
}

function fit(name: string, cellName: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(cellName).digest("hex").slice(0, 8);
  return `${name.slice(0, max - hash.length - 1)}_${hash}`;
}
