-- aurmig:revision b7c419f0a2d1
-- aurmig:down_revision b7e4a1c9f0d2
-- aurmig:message Add NormalizedEmail to User
-- aurmig:create_date 2026-07-26 00:00:00.000000
-- aurmig:irreversible the spam accounts it deletes (and their sessions, accepted terms and SSH keys) are not restored

-- Users.NormalizedEmail VARCHAR(320) NULL with the unique index
-- UsersNormalizedEmail. (Dated 07-26 but chained after b7e4a1c9f0d2, 07-29,
-- as in aurweb.)
--
-- aurweb's upgrade, and what this script does with each step:
--  1. Add the column unless it exists. MySQL: MariaDB's ADD COLUMN IF NOT
--     EXISTS; SQLite: plain ADD COLUMN (no guard possible).
--  2. Delete spam accounts: Suspended = 1 and no footprint in any of 14
--     content columns (comments by/edited/deleted, package bases maintained/
--     submitted/packaged/flagged, package votes, co-maintainerships, requests
--     filed/closed, notifications, VoteInfo submitted, Votes). Sessions,
--     AcceptedTerms and SSHPubKeys do not count (registration creates them).
--     Done here in SQL, one NOT EXISTS per column. MySQL's ON DELETE CASCADE
--     removes the dependent Sessions/AcceptedTerms/SSHPubKeys rows; SQLite
--     only cascades with PRAGMA foreign_keys=ON (off under libdbi), so its
--     section deletes those rows explicitly first.
--  3. Backfill NormalizedEmail for every user: hook normalize_emails.
--  4. Deduplicate (NULL the value on all but one member of each group): hook
--     dedupe_emails.
--  5. MySQL: rebuild Users with ROW_FORMAT=DYNAMIC unless it is already
--     Dynamic or Compressed (the 1280-byte utf8mb4 key needs it). Done here
--     with a prepared statement chosen from information_schema.
--  6. Create the unique index. Done.
--
-- Why 3 and 4 are left out: aurweb computes the value with
-- aurweb.util.normalize_email, Python code built on the email-validator
-- library (IDNA/UTS-46 folding of the domain, a per-provider table that strips
-- "+tag", drops dots for Gmail and maps alias domains, lowercasing), and picks
-- the member to keep per duplicate group by a ranking (not suspended, verified
-- or has content, email already canonical, lowest ID) over that value. None
-- of this is expressible in SQL without re-implementing the normaliser, and a
-- partial SQL approximation (e.g. LOWER(Email)) would store values the
-- application takes as final. So after this revision NormalizedEmail is NULL
-- for every existing account (NULL is exempt from the unique index, so the
-- index builds) unless the hooks normalize_emails and dedupe_emails are given
-- (aurmig --hook normalize_emails=COMMAND, or a callback from the PHP/Python
-- bindings): they run here, between steps 2 and 5, before the unique index.
-- Their SQL defaults are empty on purpose: leaving the column NULL is safe,
-- a wrong normalisation stored as final is not.
--
-- Downgrade: drop the index (first: SQLite refuses to drop an indexed column),
-- then the column. Deleted spam accounts are NOT restored, and ROW_FORMAT is
-- not reverted (as in aurweb).

-- aurmig:upgrade mysql
ALTER TABLE Users ADD COLUMN IF NOT EXISTS NormalizedEmail VARCHAR(320) NULL;

-- The purge in batches of 5000 accounts by ID, each committed by itself: as
-- one statement it reads all of Users (Suspended has no index) and, under
-- REPEATABLE READ, keeps every row it read locked until it ends, which held
-- up logins and profile edits for about 0.2 s at the AUR's size
-- (bench/RESULTS.md). Each account is judged once, by other tables' rows
-- only: the same accounts go (docs/script-format.md).
-- aurmig:batch 5000 key=ID
DELETE FROM Users
WHERE Suspended = 1
	AND NOT EXISTS (SELECT 1 FROM PackageComments WHERE UsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageComments WHERE EditedUsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageComments WHERE DelUsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageBases WHERE MaintainerUID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageBases WHERE SubmitterUID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageBases WHERE PackagerUID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageBases WHERE FlaggerUID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageVotes WHERE UsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageComaintainers WHERE UsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageRequests WHERE UsersID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageRequests WHERE ClosedUID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM PackageNotifications WHERE UserID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM VoteInfo WHERE SubmitterID = Users.ID)
	AND NOT EXISTS (SELECT 1 FROM Votes WHERE UserID = Users.ID);

-- aurmig:hook normalize_emails default
-- The default leaves NormalizedEmail NULL (see the top of this file): map the
-- hook to aurweb's normaliser to backfill it here.
-- aurmig:end-hook
-- aurmig:hook dedupe_emails default
-- With NULLs only there is nothing to deduplicate; the hook runs aurweb's
-- ranking after its normaliser.
-- aurmig:end-hook

SET @aurmig_row_format_sql = (
	SELECT IF(ROW_FORMAT IN ('Dynamic', 'Compressed'), 'DO 0',
		'ALTER TABLE Users ROW_FORMAT=DYNAMIC')
	FROM information_schema.TABLES
	WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Users');
PREPARE aurmig_row_format FROM @aurmig_row_format_sql;
EXECUTE aurmig_row_format;
DEALLOCATE PREPARE aurmig_row_format;
SET @aurmig_row_format_sql = NULL;

CREATE UNIQUE INDEX UsersNormalizedEmail ON Users (NormalizedEmail);

-- aurmig:upgrade sqlite
ALTER TABLE Users ADD COLUMN NormalizedEmail VARCHAR(320) NULL;

-- Set-based: the suspended accounts first, then one pass over each content
-- column striking the accounts found there. Several of these columns have no
-- index on SQLite (EditedUsersID, DelUsersID, FlaggerUID, ClosedUID,
-- SubmitterID, Votes.UserID), so one NOT EXISTS per account per column scans
-- the table for every suspended account (about 100 s at the AUR's size);
-- `IN (SELECT column ...)` builds one temporary index per column instead.
-- The same accounts as the MySQL section's NOT EXISTS chain.
CREATE TEMP TABLE aurmig_spam_accounts (ID INTEGER PRIMARY KEY);
INSERT INTO aurmig_spam_accounts (ID) SELECT ID FROM Users WHERE Suspended = 1;
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UsersID FROM PackageComments);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT EditedUsersID FROM PackageComments);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT DelUsersID FROM PackageComments);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT MaintainerUID FROM PackageBases);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT SubmitterUID FROM PackageBases);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT PackagerUID FROM PackageBases);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT FlaggerUID FROM PackageBases);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UsersID FROM PackageVotes);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UsersID FROM PackageComaintainers);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UsersID FROM PackageRequests);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT ClosedUID FROM PackageRequests);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UserID FROM PackageNotifications);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT SubmitterID FROM VoteInfo);
DELETE FROM aurmig_spam_accounts WHERE ID IN (SELECT UserID FROM Votes);
DELETE FROM Sessions WHERE UsersID IN (SELECT ID FROM aurmig_spam_accounts);
DELETE FROM AcceptedTerms WHERE UsersID IN (SELECT ID FROM aurmig_spam_accounts);
DELETE FROM SSHPubKeys WHERE UserID IN (SELECT ID FROM aurmig_spam_accounts);
DELETE FROM Users WHERE ID IN (SELECT ID FROM aurmig_spam_accounts);
DROP TABLE aurmig_spam_accounts;

-- aurmig:hook normalize_emails default
-- aurmig:end-hook
-- aurmig:hook dedupe_emails default
-- aurmig:end-hook

CREATE UNIQUE INDEX UsersNormalizedEmail ON Users (NormalizedEmail);

-- aurmig:downgrade mysql
DROP INDEX UsersNormalizedEmail ON Users;
ALTER TABLE Users DROP COLUMN NormalizedEmail;

-- aurmig:downgrade sqlite
-- DROP COLUMN needs SQLite 3.35+.
DROP INDEX UsersNormalizedEmail;
ALTER TABLE Users DROP COLUMN NormalizedEmail;
