-- aurmig:revision be7adae47ac3
-- aurmig:down_revision 56e2ce8e2ffa
-- aurmig:message upgrade voteinfo integers
-- aurmig:create_date 2022-01-06 14:37:07.899778

-- TU_VoteInfo.Yes, No, Abstain, ActiveTUs: TINYINT(3) UNSIGNED (max 255) to
-- INT UNSIGNED.
--
-- MySQL: the columns end up exactly as aurweb's revision leaves them:
-- INT UNSIGNED, NULLABLE, NO DEFAULT. aurweb passes only the new type, so
-- Alembic's MODIFY drops the old NOT NULL DEFAULT '0'. That loss is a bug in
-- aurweb (create_all declares NOT NULL DEFAULT '0'), but every production
-- database that ran this revision has it, so it is kept here on purpose: a
-- database upgraded by aurmig must match one upgraded by aurweb. Restoring
-- NOT NULL DEFAULT 0 belongs in a new revision after d9b3f27c8e51, applied to
-- all databases alike. One ALTER instead of aurweb's four; same result.
-- SQLite: a no-op. The columns were declared TINYINT UNSIGNED, which SQLite
-- maps to INTEGER affinity (64-bit); there was never a 255 cap, so no table
-- rebuild is needed (aurweb's ALTER COLUMN would fail on SQLite). They keep
-- NOT NULL DEFAULT '0', which matches create_all.

-- aurmig:upgrade mysql
ALTER TABLE TU_VoteInfo
	MODIFY Yes INT UNSIGNED NULL,
	MODIFY No INT UNSIGNED NULL,
	MODIFY Abstain INT UNSIGNED NULL,
	MODIFY ActiveTUs INT UNSIGNED NULL;

-- aurmig:upgrade sqlite
-- No-op, see above.

-- aurmig:downgrade mysql
-- DEVIATION FROM AURWEB: back to the exact pre-upgrade definition,
-- TINYINT(3) UNSIGNED NOT NULL DEFAULT '0'. aurweb's downgrade (type only)
-- leaves the columns nullable without default, i.e. not the state of
-- 56e2ce8e2ffa. NULL counters (possible only after this revision dropped
-- NOT NULL) are set to 0 first. A counter above 255 makes the ALTER fail in
-- strict mode (MariaDB's default) rather than being clipped.
UPDATE TU_VoteInfo SET Yes = 0 WHERE Yes IS NULL;
UPDATE TU_VoteInfo SET No = 0 WHERE No IS NULL;
UPDATE TU_VoteInfo SET Abstain = 0 WHERE Abstain IS NULL;
UPDATE TU_VoteInfo SET ActiveTUs = 0 WHERE ActiveTUs IS NULL;
ALTER TABLE TU_VoteInfo
	MODIFY ActiveTUs TINYINT(3) UNSIGNED NOT NULL DEFAULT '0',
	MODIFY Abstain TINYINT(3) UNSIGNED NOT NULL DEFAULT '0',
	MODIFY No TINYINT(3) UNSIGNED NOT NULL DEFAULT '0',
	MODIFY Yes TINYINT(3) UNSIGNED NOT NULL DEFAULT '0';

-- aurmig:downgrade sqlite
-- No-op, as the upgrade.
