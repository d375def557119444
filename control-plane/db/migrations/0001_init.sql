-- The control plane's own schema: who people are, which tenants they belong to with which role,
-- pending invites, join codes, and refresh-token families. Tenants' business data lives in cells.
CREATE TABLE control_plane.users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone         text NOT NULL UNIQUE CHECK (phone ~ '^\+84[35789][0-9]{8}$'),
  name          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);

CREATE TABLE control_plane.tenants (
  slug          text PRIMARY KEY,
  display_name  text NOT NULL,
  plan          text NOT NULL,
  owner_user_id uuid NOT NULL REFERENCES control_plane.users (id),
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE control_plane.memberships (
  user_id     uuid NOT NULL REFERENCES control_plane.users (id) ON DELETE CASCADE,
  tenant_slug text NOT NULL REFERENCES control_plane.tenants (slug) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
  -- "*" (a JSON string) for every location, otherwise a JSON array of location ids.
  locations   jsonb NOT NULL DEFAULT '"*"',
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, tenant_slug)
);
CREATE INDEX memberships_tenant ON control_plane.memberships (tenant_slug);

CREATE TABLE control_plane.invites (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_slug text NOT NULL REFERENCES control_plane.tenants (slug) ON DELETE CASCADE,
  phone       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('manager', 'staff')),
  locations   jsonb NOT NULL DEFAULT '"*"',
  code_hash   text NOT NULL UNIQUE,
  invited_by  uuid NOT NULL REFERENCES control_plane.users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES control_plane.users (id),
  revoked_at  timestamptz
);
CREATE INDEX invites_tenant ON control_plane.invites (tenant_slug);

CREATE TABLE control_plane.join_codes (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_slug text NOT NULL REFERENCES control_plane.tenants (slug) ON DELETE CASCADE,
  label       text NOT NULL DEFAULT '',
  role        text NOT NULL CHECK (role IN ('manager', 'staff')),
  locations   jsonb NOT NULL DEFAULT '"*"',
  code_hash   text NOT NULL UNIQUE,
  -- The code's last characters, so an owner can tell codes apart without the code being stored.
  code_hint   text NOT NULL,
  created_by  uuid NOT NULL REFERENCES control_plane.users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX join_codes_tenant ON control_plane.join_codes (tenant_slug);

CREATE TABLE control_plane.refresh_token_families (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES control_plane.users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  revoked_reason text
);

CREATE TABLE control_plane.refresh_tokens (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id  uuid NOT NULL REFERENCES control_plane.refresh_token_families (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX refresh_tokens_family ON control_plane.refresh_tokens (family_id);
