-- aurmig:revision ef39fcd6e1cd
-- aurmig:down_revision f47cad5d6d03
-- aurmig:message Add SSO account ID in table Users
-- aurmig:create_date 2020-06-08 10:04:13.898617

-- Users.SSOAccountID: nullable VARCHAR(255) with a unique constraint.
--
-- aurweb reflects Users first and only adds the column (and its unnamed
-- unique constraint, which MySQL names SSOAccountID) if it is missing; the
-- downgrade only acts if the column exists. These guards were added for
-- "misaligned" databases (created by a newer create_all, stamped older).
-- MySQL: the same guards, written with MariaDB's IF [NOT] EXISTS clauses
-- (MariaDB 10.0.2+; Oracle MySQL lacks them - aurweb runs on MariaDB).
-- SQLite: no IF NOT EXISTS for columns, so no guard; and SQLite cannot add a
-- UNIQUE constraint to an existing table, so a UNIQUE INDEX named like
-- MySQL's constraint does the same job (create_all has a table-level UNIQUE
-- instead; see docs/aurweb-migrations.md).

-- aurmig:upgrade mysql
-- Two statements, as Alembic's add_column and create_unique_constraint run:
-- the column alone is INSTANT and the index alone NOCOPY (built without
-- copying the table, writes go on), while one ALTER with both rebuilds the
-- table (INPLACE; measured 5x slower, issue 20). The same end state.
ALTER TABLE Users ADD COLUMN IF NOT EXISTS SSOAccountID VARCHAR(255) NULL;
ALTER TABLE Users ADD UNIQUE KEY IF NOT EXISTS SSOAccountID (SSOAccountID);

-- aurmig:upgrade sqlite
ALTER TABLE Users ADD COLUMN SSOAccountID VARCHAR(255) NULL;
CREATE UNIQUE INDEX SSOAccountID ON Users (SSOAccountID);

-- aurmig:downgrade mysql
ALTER TABLE Users DROP INDEX IF EXISTS SSOAccountID;
ALTER TABLE Users DROP COLUMN IF EXISTS SSOAccountID;

-- aurmig:downgrade sqlite
-- DROP COLUMN needs SQLite 3.35+, and the index must go first.
DROP INDEX SSOAccountID;
ALTER TABLE Users DROP COLUMN SSOAccountID;
