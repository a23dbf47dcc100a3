-- aurmig:revision 7d65d35fae45
-- aurmig:down_revision 6a64dd126029
-- aurmig:message Rename TU tables/columns
-- aurmig:create_date 2023-09-10 10:21:33.092342

-- TU_VoteInfo -> VoteInfo, TU_Votes -> Votes, VoteInfo.ActiveTUs -> ActiveUsers.
--
-- MySQL: the column rename is a CHANGE that re-declares the column. It is
-- declared INT UNSIGNED NULL without default, which is what be7adae47ac3 left
-- (and what aurweb's CHANGE produces), so nothing else changes. InnoDB renames
-- the auto-named foreign keys TU_VoteInfo_ibfk_N / TU_Votes_ibfk_N along with
-- the tables.
-- SQLite: RENAME TABLE also rewrites the foreign key in Votes that points at
-- TU_VoteInfo (SQLite 3.26+ with legacy_alter_table off, the default);
-- RENAME COLUMN needs SQLite 3.25+.

-- aurmig:upgrade mysql
RENAME TABLE TU_VoteInfo TO VoteInfo, TU_Votes TO Votes;
ALTER TABLE VoteInfo CHANGE ActiveTUs ActiveUsers INT UNSIGNED NULL;

-- aurmig:upgrade sqlite
ALTER TABLE TU_VoteInfo RENAME TO VoteInfo;
ALTER TABLE TU_Votes RENAME TO Votes;
ALTER TABLE VoteInfo RENAME COLUMN ActiveTUs TO ActiveUsers;

-- aurmig:downgrade mysql
-- Tables first, then the column, as aurweb.
RENAME TABLE VoteInfo TO TU_VoteInfo, Votes TO TU_Votes;
ALTER TABLE TU_VoteInfo CHANGE ActiveUsers ActiveTUs INT UNSIGNED NULL;

-- aurmig:downgrade sqlite
ALTER TABLE VoteInfo RENAME TO TU_VoteInfo;
ALTER TABLE Votes RENAME TO TU_Votes;
ALTER TABLE TU_VoteInfo RENAME COLUMN ActiveUsers TO ActiveTUs;
