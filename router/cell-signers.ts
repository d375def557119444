// The router holds the master routing key; each cell holds only its own key, derived from the
// master and the cell's endpoint (common/cell-keys.ts), so a leaked cell Secret forges the tenant
// header for that cell alone. A cell's signer is derived on first use and kept as long as the
// cell is (a WeakMap: a cell no route points to is forgotten with its signer).
import { deriveCellKey } from "../common/cell-keys.js";
import { TenantSigner } from "./tenant-signer.js";
import type { CellUpstream } from "./upstream.js";

export class CellSigners {
  readonly #master: string | Buffer;
  readonly #byCell = new WeakMap<CellUpstream, TenantSigner>();

  constructor(masterKey: string | Buffer) {
    this.#master = masterKey;
  }

  /** The signer whose signatures `cell` (and no other cell) accepts. */
  for(cell: CellUpstream): TenantSigner {
    let signer = this.#byCell.get(cell);
    if (signer === undefined) {
      signer = new TenantSigner(deriveCellKey(this.#master, "router-signing", cell.origin));
      this.#byCell.set(cell, signer);
    }
    return signer;
  }
}
