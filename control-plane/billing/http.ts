// Owners download their invoices over HTTP (attachable to the control plane's server):
//   GET /billing/invoices?tenant=<slug>          the tenant's invoices as JSON
//   GET /billing/invoices/<number>.csv | .pdf    one invoice, as a file
// Authenticated with the same Bearer access token as GraphQL; only owners of the tenant may read.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JWTVerifyGetKey } from "jose";
import type pg from "pg";
import { AccessTokenError, verifyAccessToken } from "../identity/verify-access-token.js";
import { invoiceCsv } from "./export-csv.js";
import { invoicePdf } from "./export-pdf.js";
import { getInvoice, listInvoices, type Invoice } from "./invoices.js";

export interface BillingHttpOptions {
  pool: pg.Pool;
  jwks: () => JWTVerifyGetKey;
}

/** Resolves true when it answered the request, false when the path is not one of its own. */
export type BillingHttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const FILE = /^\/billing\/invoices\/([A-Za-z0-9-]{1,120})\.(csv|pdf)$/;

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

export function billingHttpHandler(options: BillingHttpOptions): BillingHttpHandler {
  const { pool } = options;

  async function ownerOf(req: IncomingMessage, tenantSlug: string): Promise<void> {
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    let userId: string;
    try {
      userId = (await verifyAccessToken(token, options.jwks())).claims.sub;
    } catch (error) {
      if (error instanceof AccessTokenError) throw new HttpError(401, "UNAUTHENTICATED", error.message);
      throw error;
    }
    const { rowCount } = await pool.query(`select 1 from control_plane.memberships where user_id = $1 and tenant_slug = $2 and role = 'owner'`, [userId, tenantSlug]);
    // Same answer for "no such invoice" and "not yours", so numbers cannot be probed.
    if (!rowCount) throw new HttpError(404, "NOT_FOUND", "no such invoice among the tenants you own");
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === "/billing/invoices") {
      const tenant = url.searchParams.get("tenant");
      if (!tenant) throw new HttpError(400, "BAD_REQUEST", "tenant: the tenant slug is required (?tenant=<slug>)", "tenant");
      await ownerOf(req, tenant);
      const invoices = (await listInvoices(pool, tenant)).filter((i) => i.status !== "draft").map(summary);
      send(res, 200, "application/json; charset=utf-8", JSON.stringify({ invoices }));
      return true;
    }
    const match = FILE.exec(url.pathname);
    if (!match) return false;
    const invoice = await getInvoice(pool, match[1]!);
    if (!invoice || invoice.status === "draft") {
      await ownerOf(req, invoice?.tenantSlug ?? "");
      throw new HttpError(404, "NOT_FOUND", "no such invoice among the tenants you own");
    }
    await ownerOf(req, invoice.tenantSlug);
    const disposition = `attachment; filename="${invoice.number}.${match[2]}"`;
    if (match[2] === "csv") send(res, 200, "text/csv; charset=utf-8", invoiceCsv(invoice), disposition);
    else send(res, 200, "application/pdf", await invoicePdf(invoice), disposition);
    return true;
  }

  return async function billingHttp(req, res, url) {
    if (!url.pathname.startsWith("/billing/")) return false;
    try {
      if (req.method !== "GET") throw new HttpError(405, "METHOD_NOT_ALLOWED", `${url.pathname} takes GET, not ${req.method}`);
      return await serve(req, res, url);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      send(res, error.status, "application/json; charset=utf-8", JSON.stringify({ error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } }));
      return true;
    }
  };
}

function summary(i: Invoice) {
  return {
    number: i.number,
    period: i.period,
    status: i.status,
    subtotalVnd: Number(i.subtotalVnd),
    vatVnd: Number(i.vatVnd),
    totalVnd: Number(i.totalVnd),
    paidVnd: Number(i.paidVnd),
    issuedAt: i.issuedAt?.toISOString() ?? null,
    dueOn: i.dueOn ?? null,
    csv: `/billing/invoices/${i.number}.csv`,
    pdf: `/billing/invoices/${i.number}.pdf`,
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, disposition?: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...(disposition ? { "content-disposition": disposition } : {}) });
  res.end(body);
}
