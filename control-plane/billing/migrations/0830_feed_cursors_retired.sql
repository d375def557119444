-- A cursor of a cell the tenant has left (a move) is retired when the tenant's new cell is first
-- read: the new cell's feed holds the tenant's whole outbox (moves copy it), so nothing the old
-- cell still had is lost, and a retired cursor no longer holds the month's invoice back.
ALTER TABLE billing.feed_cursors ADD COLUMN retired_at timestamptz;
