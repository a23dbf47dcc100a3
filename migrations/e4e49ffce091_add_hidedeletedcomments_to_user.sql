-- aurmig:revision e4e49ffce091
-- aurmig:down_revision 9e3158957fd7
-- aurmig:message Add HideDeletedComments to User
-- aurmig:create_date 2023-04-19 23:24:25.854874

-- Users.HideDeletedComments TINYINT UNSIGNED NOT NULL DEFAULT 0.
-- aurweb takes the definition from the live schema.py and swallows a
-- duplicate-column error; here the definition is frozen, MySQL keeps the guard
-- with MariaDB's ADD COLUMN IF NOT EXISTS, SQLite has no guard.

-- aurmig:upgrade mysql
ALTER TABLE Users ADD COLUMN IF NOT EXISTS HideDeletedComments TINYINT UNSIGNED NOT NULL DEFAULT 0;

-- aurmig:upgrade sqlite
ALTER TABLE Users ADD COLUMN HideDeletedComments TINYINT UNSIGNED NOT NULL DEFAULT 0;

-- aurmig:downgrade
-- SQLite: DROP COLUMN needs 3.35+.
ALTER TABLE Users DROP COLUMN HideDeletedComments;
