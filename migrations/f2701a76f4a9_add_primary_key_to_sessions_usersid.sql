-- aurmig:revision f2701a76f4a9
-- aurmig:down_revision 38e5b9982eea
-- aurmig:message Add PRIMARY KEY to Sessions.UsersID
-- aurmig:create_date 2026-02-20 00:00:00.000000
-- aurmig:irreversible the duplicate sessions it deletes are not restored (users log in again)

-- Sessions.UsersID becomes the primary key (one session per user).
--
-- Step 1 (data): delete duplicate sessions per user, keeping the row with the
-- greatest SessionID (that is what aurweb keys on; its docstring says "most
-- recently updated"). SessionID compares binary on both dialects (utf8mb4_bin
-- on MySQL since 56e2ce8e2ffa).
--
-- Step 2 (MySQL), DEVIATION FROM AURWEB: aurweb looks up the name of the
-- foreign key on Sessions.UsersID and, if there is one, runs a single ALTER
-- that drops the FK, drops KEY UsersID, adds PRIMARY KEY (UsersID) and re-adds
-- the FK under the same name. On MariaDB 10.11 that ALTER fails with errno 121
-- (duplicate key on write: the FK name is re-used within the same statement).
-- The FK does not need to be touched at all: one ALTER that drops the
-- implicit FK index UsersID and adds the primary key in the same statement
-- leaves the FK in place, now served by the primary key. This was checked on
-- MariaDB 10.11.19 (see aurweb-migrations.md); it works whether or not the FK
-- exists, which also covers aurweb's no-FK branch. The end state is the same
-- as aurweb's.
-- Step 2 (SQLite): no ALTER for primary keys; the table is rebuilt. Sessions
-- is referenced by no other table, so dropping it is safe even with
-- PRAGMA foreign_keys=ON.
--
-- Downgrade: the primary key becomes a plain KEY UsersID again. The deleted
-- duplicate sessions are not restored (they were only logins; users log in
-- again).

-- aurmig:upgrade mysql
DELETE s1 FROM Sessions AS s1
	JOIN Sessions AS s2 ON s1.UsersID = s2.UsersID AND s1.SessionID < s2.SessionID;
ALTER TABLE Sessions DROP KEY UsersID, ADD PRIMARY KEY (UsersID);

-- aurmig:upgrade sqlite
-- Set-based: SQLite's 2020 Sessions has no index on UsersID, so a correlated
-- "is there a newer session of this user" scans the table once per row
-- (quadratic: minutes at the AUR's 50k sessions). The greatest SessionID of
-- each user is found in one grouped pass; SessionID is unique, so keeping
-- exactly those values keeps one row per user, the same one as before.
DELETE FROM Sessions WHERE SessionID NOT IN (
	SELECT MAX(SessionID) FROM Sessions GROUP BY UsersID);

-- UsersID is declared plain INTEGER so that, as in create_all's SQLite
-- schema, the primary key is SQLite's rowid alias. The copy goes in that
-- key's order: each row is appended to the new table's b-tree instead of
-- landing on a random page of it, which at the AUR's 50k sessions no longer
-- fits SQLite's default 2 MiB page cache (measured with sqlite3: 0.021 s at
-- 15k sessions, 0.25 s at 50k unordered, 0.088 s ordered; same rows).
CREATE TABLE Sessions_aurmig_new (
	UsersID INTEGER NOT NULL,
	SessionID CHAR(32) NOT NULL,
	LastUpdateTS BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (UsersID),
	FOREIGN KEY (UsersID) REFERENCES Users(ID) ON DELETE CASCADE,
	UNIQUE (SessionID)
);
INSERT INTO Sessions_aurmig_new (UsersID, SessionID, LastUpdateTS)
	SELECT UsersID, SessionID, LastUpdateTS FROM Sessions ORDER BY UsersID;
DROP TABLE Sessions;
ALTER TABLE Sessions_aurmig_new RENAME TO Sessions;

-- aurmig:downgrade mysql
-- Not aurweb's form either (drop FK, drop PK, add key, re-add FK under the
-- same name: the same errno 121 risk). Adding the plain index first gives the
-- FK another index, after which the primary key can be dropped without
-- error 1553; two statements so that each one is valid on its own.
ALTER TABLE Sessions ADD KEY UsersID (UsersID);
ALTER TABLE Sessions DROP PRIMARY KEY;

-- aurmig:downgrade sqlite
CREATE TABLE Sessions_aurmig_new (
	UsersID INTEGER UNSIGNED NOT NULL,
	SessionID CHAR(32) NOT NULL,
	LastUpdateTS BIGINT UNSIGNED NOT NULL,
	FOREIGN KEY (UsersID) REFERENCES Users(ID) ON DELETE CASCADE,
	UNIQUE (SessionID)
);
INSERT INTO Sessions_aurmig_new (UsersID, SessionID, LastUpdateTS)
	SELECT UsersID, SessionID, LastUpdateTS FROM Sessions;
DROP TABLE Sessions;
ALTER TABLE Sessions_aurmig_new RENAME TO Sessions;
