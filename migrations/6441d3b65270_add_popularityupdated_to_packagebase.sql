-- aurmig:revision 6441d3b65270
-- aurmig:down_revision d64e5571bc8d
-- aurmig:message add PopularityUpdated to PackageBase
-- aurmig:create_date 2022-09-22 18:08:03.280664

-- PackageBases.PopularityUpdated TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:01'
-- (MySQL TIMESTAMP cannot hold 00:00:00 UTC).
--
-- aurweb takes the column definition from the live schema.py and swallows a
-- duplicate-column error. The definition is frozen here as it was at this
-- revision; MySQL keeps the guard with MariaDB's ADD COLUMN IF NOT EXISTS,
-- SQLite has no such clause and no guard.
-- MySQL note: the default literal is read in the session time zone; on a
-- session east of UTC it is out of TIMESTAMP range and the ALTER fails (the
-- same holds for aurweb's revision and create_all).
--
-- Data step: after adding the column aurweb calls its popularity job
-- (aurweb.scripts.popupdate), which recomputes NumVotes, Popularity (sum of
-- 0.98^age-in-days over the votes) and PopularityUpdated. Only the NumVotes
-- recount is done here, in SQL. The Popularity recompute is LEFT OUT: its
-- formula and interval belong to the application and its [git-archive]
-- configuration, and SQLite has no portable POW(). Nothing is lost by
-- waiting: every row now has PopularityUpdated = 1970-01-01 00:00:01, so the
-- next run of aurweb's scheduled popularity update (aurweb-popupdate)
-- recomputes all package bases.

-- aurmig:upgrade mysql
ALTER TABLE PackageBases
	ADD COLUMN IF NOT EXISTS PopularityUpdated TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:01';
-- The recount in batches of 2000 package bases, each committed by itself:
-- one statement over all of them holds S-locks on PackageVotes and blocks
-- voters for its whole length (about a second at the AUR's size). The same
-- result (each base is recounted once); docs/script-format.md.
-- aurmig:batch 2000 key=ID
UPDATE PackageBases SET NumVotes =
	(SELECT COUNT(*) FROM PackageVotes WHERE PackageVotes.PackageBaseID = PackageBases.ID);
-- aurmig:hook recompute_popularity default
-- aurweb ran its popularity job here. No SQL default: the formula belongs to
-- the application, and aurweb-popupdate recomputes every package base on its
-- next run (PopularityUpdated is 1970 for all of them). Map the hook to run
-- it now: aurmig --hook recompute_popularity=aurweb-popupdate
-- aurmig:end-hook

-- aurmig:upgrade sqlite
-- The default is written in SQLAlchemy's SQLite datetime format (with
-- microseconds), as create_all renders it, so that string comparisons made by
-- the application see one format.
ALTER TABLE PackageBases
	ADD COLUMN PopularityUpdated TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:01.000000';
UPDATE PackageBases SET NumVotes =
	(SELECT COUNT(*) FROM PackageVotes WHERE PackageVotes.PackageBaseID = PackageBases.ID);
-- aurmig:hook recompute_popularity default
-- aurweb ran its popularity job here. No SQL default: the formula belongs to
-- the application, and aurweb-popupdate recomputes every package base on its
-- next run (PopularityUpdated is 1970 for all of them). Map the hook to run
-- it now: aurmig --hook recompute_popularity=aurweb-popupdate
-- aurmig:end-hook

-- aurmig:downgrade
-- The NumVotes recount is not undone (the counts are correct either way).
-- SQLite: DROP COLUMN needs 3.35+.
ALTER TABLE PackageBases DROP COLUMN PopularityUpdated;
