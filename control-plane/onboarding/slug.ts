// The tenant slug is the tenant's subdomain ({slug}.localstoreplatform.com) and its Tenant's name,
// so it must be a DNS label and must not shadow the platform's own hosts. The operator's CRD
// enforces the same rule with the same word list (see docs/adr/0503-slug-rule.md).
import { ReservedSlugs } from "../../operator/api/v1alpha1/index.js";

export const SLUG_MIN_LENGTH = 3;
export const SLUG_MAX_LENGTH = 40;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Hosts the platform uses itself or may use; a tenant taking one could phish its users. The
 * operator's CRD list is included so the two can never disagree; the extra words are refused
 * at signup only (an operator may still create such a Tenant by hand).
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  ...ReservedSlugs,
  "account", "accounts", "id", "sso", "oauth", "blog", "email", "smtp", "media", "files",
  "grafana", "metrics", "prometheus", "monitoring", "dev", "staging", "test", "demo", "sandbox",
  "root", "lsp", "localstore", "localstoreplatform", "pay", "payments", "webhooks", "cell", "cells", "console",
]);

export type SlugCheck = { ok: true; slug: string } | { ok: false; reason: "INVALID" | "RESERVED"; message: string };

export function checkSlug(input: string): SlugCheck {
  const slug = input.trim().toLowerCase();
  if (slug.length < SLUG_MIN_LENGTH || slug.length > SLUG_MAX_LENGTH) {
    return { ok: false, reason: "INVALID", message: `slug must be ${SLUG_MIN_LENGTH}-${SLUG_MAX_LENGTH} characters (got ${slug.length})` };
  }
  if (!DNS_LABEL.test(slug)) {
    return { ok: false, reason: "INVALID", message: "slug may contain only lowercase letters a-z, digits and '-', and must start and end with a letter or digit (no Vietnamese diacritics: 'pho-bo' not 'phở-bò')" };
  }
  if (RESERVED_SLUGS.has(slug)) return { ok: false, reason: "RESERVED", message: `slug '${slug}' is reserved by the platform` };
  return { ok: true, slug };
}
