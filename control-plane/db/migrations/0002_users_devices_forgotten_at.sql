-- "Sign out everywhere" (ADR 0509): known-device tokens minted before this moment no longer give
-- a device its own lane of code requests. Null: none were ever forgotten.
ALTER TABLE control_plane.users ADD COLUMN devices_forgotten_at timestamptz;
