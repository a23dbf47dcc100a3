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
-- SQLite: no ALTER COLUMN, so the table is rebuilt (new table, copy, drop,
-- rename, indexes). PackageVotes is referenced by no other table, so dropping
-- it is safe even with PRAGMA foreign_keys=ON.
--
-- Downgrade: the column becomes nullable again; the 0 timestamps stay (the
-- rows that had NULL cannot be told apart any more), so the data step is
-- irreversible while the schema step is reversed exactly.

-- aurmig:upgrade mysql
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS IS NULL;
ALTER TABLE PackageVotes MODIFY VoteTS BIGINT NOT NULL;

-- aurmig:upgrade sqlite
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS IS NULL;

CREATE TABLE PackageVotes_aurmig_new (
	UsersID INTEGER UNSIGNED NOT NULL,
	PackageBaseID INTEGER UNSIGNED NOT NULL,
	VoteTS BIGINT UNSIGNED NOT NULL,
	FOREIGN KEY (UsersID) REFERENCES Users(ID) ON DELETE CASCADE,
	FOREIGN KEY (PackageBaseID) REFERENCES PackageBases(ID) ON DELETE CASCADE
);
INSERT INTO PackageVotes_aurmig_new (UsersID, PackageBaseID, VoteTS)
	SELECT UsersID, PackageBaseID, VoteTS FROM PackageVotes;
DROP TABLE PackageVotes;
ALTER TABLE PackageVotes_aurmig_new RENAME TO PackageVotes;
CREATE UNIQUE INDEX VoteUsersIDPackageID ON PackageVotes (UsersID, PackageBaseID);
CREATE INDEX VotesUsersID ON PackageVotes (UsersID);
CREATE INDEX VotesPackageBaseID ON PackageVotes (PackageBaseID);

-- aurmig:downgrade mysql
-- DEVIATION FROM AURWEB: back to the exact pre-upgrade definition,
-- BIGINT UNSIGNED NULL DEFAULT NULL (aurweb's downgrade leaves it signed).
-- Negative timestamps can only come from aurweb's own backfill on a host east
-- of UTC (its "epoch" was then negative); they are set to 0 first, otherwise
-- the ALTER would fail on them in strict mode.
UPDATE PackageVotes SET VoteTS = 0 WHERE VoteTS < 0;
ALTER TABLE PackageVotes MODIFY VoteTS BIGINT UNSIGNED NULL DEFAULT NULL;

-- aurmig:downgrade sqlite
CREATE TABLE PackageVotes_aurmig_new (
	UsersID INTEGER UNSIGNED NOT NULL,
	PackageBaseID INTEGER UNSIGNED NOT NULL,
	VoteTS BIGINT UNSIGNED NULL DEFAULT NULL,
	FOREIGN KEY (UsersID) REFERENCES Users(ID) ON DELETE CASCADE,
	FOREIGN KEY (PackageBaseID) REFERENCES PackageBases(ID) ON DELETE CASCADE
);
INSERT INTO PackageVotes_aurmig_new (UsersID, PackageBaseID, VoteTS)
	SELECT UsersID, PackageBaseID, VoteTS FROM PackageVotes;
DROP TABLE PackageVotes;
ALTER TABLE PackageVotes_aurmig_new RENAME TO PackageVotes;
CREATE UNIQUE INDEX VoteUsersIDPackageID ON PackageVotes (UsersID, PackageBaseID);
CREATE INDEX VotesUsersID ON PackageVotes (UsersID);
CREATE INDEX VotesPackageBaseID ON PackageVotes (PackageBaseID);
