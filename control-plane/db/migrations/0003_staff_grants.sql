-- Staff grants (ADR 0506): who can still use a grant after a removal, and what an undelivered invite may undo.

-- Who holds a join code's current secret when someone other than its creator rotated it: removing
-- or demoting that member revokes the code, as it does the codes they created.
ALTER TABLE control_plane.join_codes ADD COLUMN rotated_by uuid REFERENCES control_plane.users (id);

-- The invite whose creation revoked this one while that invite's SMS was still going out. Only
-- such a revocation is undone when the SMS fails; every other revocation clears the column, so a
-- failed SMS never brings back an invite that a removal or a revocation ended meanwhile.
ALTER TABLE control_plane.invites ADD COLUMN superseded_by uuid REFERENCES control_plane.invites (id) ON DELETE SET NULL;
CREATE INDEX invites_superseded_by ON control_plane.invites (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX invites_pending_phone ON control_plane.invites (tenant_slug, phone) WHERE accepted_at IS NULL;

-- Join codes are found by their keyed hash only (codes.ts): a join code never expires, so a plain
-- SHA-256 kept for it would stay open to offline search for good. Codes last issued before codes
-- were keyed by the OTP pepper (commit 2710905) are revoked here, so owners see them as revoked
-- and make new ones; any stored unkeyed after that moment simply no longer matches.
UPDATE control_plane.join_codes SET revoked_at = now()
 WHERE revoked_at IS NULL AND COALESCE(rotated_at, created_at) < timestamptz '2026-11-22 14:42:22+00';
