-- aurmig:revision d9b3f27c8e51
-- aurmig:down_revision b7c419f0a2d1
-- aurmig:message Add index on PackageRequests.ClosedUID
-- aurmig:create_date 2026-08-05 21:00:00.000000

-- Non-unique index RequestsClosedUID on PackageRequests (ClosedUID).
--
-- On MariaDB/InnoDB, creating this index silently replaces the implicit index
-- (named ClosedUID) that backed the foreign key on ClosedUID.
--
-- Downgrade, DEVIATION FROM AURWEB: aurweb just drops RequestsClosedUID, which
-- MariaDB 10.11 refuses with error 1553 ("needed in a foreign key
-- constraint"), so aurweb's downgrade cannot run. Here the implicit index is
-- first recreated under its old name ClosedUID, which gives the foreign key
-- another index; then RequestsClosedUID can be dropped. The result is the
-- pre-revision state. SQLite has no such constraint on indexes and just drops
-- the index.

-- aurmig:upgrade mysql
-- The DROP is a no-op on a database coming from the 2020 state (InnoDB has
-- already dropped its implicit ClosedUID index). After this revision's own
-- downgrade, ClosedUID is an explicit index, which InnoDB keeps; dropping it
-- here makes downgrade + upgrade give back exactly the same schema.
CREATE INDEX RequestsClosedUID ON PackageRequests (ClosedUID);
DROP INDEX IF EXISTS ClosedUID ON PackageRequests;

-- aurmig:upgrade sqlite
CREATE INDEX RequestsClosedUID ON PackageRequests (ClosedUID);

-- aurmig:downgrade mysql
ALTER TABLE PackageRequests ADD KEY ClosedUID (ClosedUID);
ALTER TABLE PackageRequests DROP INDEX RequestsClosedUID;

-- aurmig:downgrade sqlite
DROP INDEX RequestsClosedUID;
