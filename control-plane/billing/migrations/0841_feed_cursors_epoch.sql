-- The epoch of the outbox a cursor counts in, as the cell's feed reports it with every page
-- (cell migration 20261122070000_outbox_epoch). A cell rebuilt under a reused name, or restored
-- from a backup, numbers its outbox again from below the cursor: compared with a bare id, every
-- order up to it would be skipped and never billed. A different epoch, or a cursor above the
-- feed's highest id, restarts the cursor from 0 (control-plane/usage/pull.ts; orders are keyed by
-- order id, so re-reading bills nothing twice). Null for cursors stored before this column: their
-- next read adopts the feed's epoch.
ALTER TABLE billing.feed_cursors ADD COLUMN outbox_epoch text;
