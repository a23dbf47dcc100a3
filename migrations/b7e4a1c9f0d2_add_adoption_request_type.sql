-- aurmig:revision b7e4a1c9f0d2
-- aurmig:down_revision a3f1c2d4e5b6
-- aurmig:message add adoption request type
-- aurmig:create_date 2026-07-29 20:35:00.000000

-- Data only: RequestTypes row (4, 'adoption'). Idempotent as in aurweb: an
-- existing row 4 is left as it is (MySQL: ON DUPLICATE KEY UPDATE that changes
-- nothing; SQLite: INSERT OR IGNORE).
--
-- Downgrade: deletes row 4, as aurweb does. This is only possible while no
-- PackageRequests row references type 4. On MySQL the foreign key
-- (ON DELETE NO ACTION) makes the DELETE fail with error 1451 in that case.
-- SQLite does not enforce foreign keys unless PRAGMA foreign_keys=ON (libdbi
-- leaves it off), so the SQLite section checks first: a CHECK constraint on a
-- scratch temp table fails ("CHECK constraint failed") if adoption requests
-- exist, instead of leaving requests that point at a deleted type.

-- aurmig:upgrade mysql
INSERT INTO RequestTypes (ID, Name) VALUES (4, 'adoption')
	ON DUPLICATE KEY UPDATE ID = ID;

-- aurmig:upgrade sqlite
INSERT OR IGNORE INTO RequestTypes (ID, Name) VALUES (4, 'adoption');

-- aurmig:downgrade mysql
DELETE FROM RequestTypes WHERE ID = 4;

-- aurmig:downgrade sqlite
CREATE TEMP TABLE aurmig_no_adoption_requests (
	n INTEGER NOT NULL,
	CONSTRAINT PackageRequests_still_reference_RequestTypes_4 CHECK (n = 0)
);
INSERT INTO aurmig_no_adoption_requests (n)
	SELECT COUNT(*) FROM PackageRequests WHERE ReqTypeID = 4;
DROP TABLE aurmig_no_adoption_requests;
DELETE FROM RequestTypes WHERE ID = 4;
