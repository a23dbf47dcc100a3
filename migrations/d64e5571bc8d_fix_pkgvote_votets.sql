-- aurmig:revision d64e5571bc8d
-- aurmig:down_revision be7adae47ac3
-- aurmig:message fix pkgvote votets
-- aurmig:create_date 2022-02-18 12:47:05.322766
-- aurmig:irreversible votes whose VoteTS it backfilled with 0 keep 0

-- PackageVotes.VoteTS becomes NOT NULL; votes without a timestamp get 0.
--
-- Data step: aurweb sets NULL VoteTS to datetime(1970, 1, 1).timestamp(), a
-- naive datetime, so the value is 0 only on a host running in UTC (negative
-- east of UTC). Here it is always 0, the intended "epoch".
-- MySQL: as aurweb (generic BIGINT as existing type), the column becomes
-- SIGNED BIGINT NOT NULL and loses UNSIGNED; kept so that aurmig-upgraded and
-- aurweb-upgraded databases match (create_all has BIGINT UNSIGNED NOT NULL).
-- SQLite: no ALTER COLUMN, so the table is rebuilt: written once as portable
-- DDL (docs/portable-ddl.md), which does the rebuild (new table, copy, drop,
-- rename, indexes, foreign-key check).
--
-- Downgrade: the column becomes nullable again; the 0 timestamps stay (the
-- rows that had NULL cannot be told apart any more), so the data step is
-- irreversible while the schema step is reversed exactly.

-- aurmig:upgrade mysql
-- The backfill in batches over UsersID (indexed, NOT NULL), each committed by
-- itself, so votes are not blocked for the length of one big UPDATE; the same
-- result (docs/script-format.md).
-- aurmig:batch 2000 key=UsersID
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS IS NULL;
ALTER TABLE PackageVotes MODIFY VoteTS BIGINT NOT NULL;

-- aurmig:upgrade portable
-- SQLite (the mysql section above is used on MySQL/MariaDB): portable DDL,
-- which SQLite runs as a table rebuild (new table, copy, drop, rename,
-- indexes, foreign-key check) in the step's transaction.
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS IS NULL;
ALTER TABLE PackageVotes MODIFY COLUMN VoteTS BIGINT UNSIGNED NOT NULL;

-- aurmig:downgrade mysql
-- DEVIATION FROM AURWEB: back to the exact pre-upgrade definition,
-- BIGINT UNSIGNED NULL DEFAULT NULL (aurweb's downgrade leaves it signed).
-- Negative timestamps can only come from aurweb's own backfill on a host east
-- of UTC (its "epoch" was then negative); they are set to 0 first, otherwise
-- the ALTER would fail on them in strict mode.
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS < 0;
ALTER TABLE PackageVotes MODIFY VoteTS BIGINT UNSIGNED NULL DEFAULT NULL;

-- aurmig:downgrade portable
ALTER TABLE PackageVotes MODIFY COLUMN VoteTS BIGINT UNSIGNED NULL DEFAULT NULL;
