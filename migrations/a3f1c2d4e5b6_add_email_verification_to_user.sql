-- aurmig:revision a3f1c2d4e5b6
-- aurmig:down_revision f2701a76f4a9
-- aurmig:message Add email verification to User
-- aurmig:create_date 2026-06-13 00:00:00.000000

-- Users.EmailVerified TINYINT UNSIGNED NOT NULL DEFAULT 0,
-- Users.EmailVerificationToken CHAR(32) NULL,
-- Users.EmailVerificationExpiry BIGINT UNSIGNED NULL,
-- then existing accounts that completed registration (non-empty Passwd) are
-- grandfathered in as verified.
--
-- aurweb takes the definitions from the live schema.py and swallows a
-- duplicate-column error per column; here they are frozen, MySQL keeps the
-- guard with MariaDB's ADD COLUMN IF NOT EXISTS, SQLite has no guard. The
-- grandfathering UPDATE runs in every case, as in aurweb.
--
-- Downgrade: drops the three columns; the grandfathering (and any real
-- verification state) is lost, so re-upgrading grandfathers again.

-- aurmig:upgrade mysql
-- Cheaper than adding the column with DEFAULT 0 and setting 1 on nearly every
-- row (issue 20, measured: 1.1-1.4 s and writes to Users blocked for as long):
-- the column comes with DEFAULT 1 (INSTANT: no row is written), only the
-- accounts without a password are set to 0, then the default becomes 0
-- (INSTANT). The same end state. While the default is still 1 the column is
-- known to be this ALTER's own; a column that existed before (a misaligned
-- database, where the ADD is skipped) has DEFAULT 0 and is grandfathered as
-- aurweb does (1 where Passwd is set): the UPDATE's condition picks the rows
-- of whichever case holds, so a resumed run does the right thing too.
ALTER TABLE Users
	ADD COLUMN IF NOT EXISTS EmailVerified TINYINT UNSIGNED NOT NULL DEFAULT 1,
	ADD COLUMN IF NOT EXISTS EmailVerificationToken CHAR(32) NULL,
	ADD COLUMN IF NOT EXISTS EmailVerificationExpiry BIGINT UNSIGNED NULL;
UPDATE Users SET EmailVerified = IF(Passwd <> '', 1, 0)
WHERE (Passwd = '' OR Passwd IS NULL) = (
	SELECT COLUMN_DEFAULT = '1' FROM information_schema.COLUMNS
	WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Users' AND COLUMN_NAME = 'EmailVerified');
ALTER TABLE Users ALTER COLUMN EmailVerified SET DEFAULT 0;

-- aurmig:upgrade sqlite
ALTER TABLE Users ADD COLUMN EmailVerified TINYINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE Users ADD COLUMN EmailVerificationToken CHAR(32) NULL;
ALTER TABLE Users ADD COLUMN EmailVerificationExpiry BIGINT UNSIGNED NULL;
UPDATE Users SET EmailVerified = 1 WHERE Passwd <> '';

-- aurmig:downgrade mysql
ALTER TABLE Users
	DROP COLUMN EmailVerificationExpiry,
	DROP COLUMN EmailVerificationToken,
	DROP COLUMN EmailVerified;

-- aurmig:downgrade sqlite
-- DROP COLUMN needs SQLite 3.35+.
ALTER TABLE Users DROP COLUMN EmailVerificationExpiry;
ALTER TABLE Users DROP COLUMN EmailVerificationToken;
ALTER TABLE Users DROP COLUMN EmailVerified;
