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
ALTER TABLE Users
	ADD COLUMN IF NOT EXISTS EmailVerified TINYINT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS EmailVerificationToken CHAR(32) NULL,
	ADD COLUMN IF NOT EXISTS EmailVerificationExpiry BIGINT UNSIGNED NULL;
UPDATE Users SET EmailVerified = 1 WHERE Passwd <> '';

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
