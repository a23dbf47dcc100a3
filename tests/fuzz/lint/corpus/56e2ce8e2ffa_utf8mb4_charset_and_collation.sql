-- aurmig:revision 56e2ce8e2ffa
-- aurmig:down_revision ef39fcd6e1cd
-- aurmig:message utf8mb4 charset and collation
-- aurmig:create_date 2021-05-17 14:23:00.008479

-- Converts 23 tables from utf8 (utf8_general_ci) to utf8mb4, then rebuilds the
-- unique index ProviderNameProvides. Tables with only integer columns
-- (AcceptedTerms, PackageComaintainers, PackageGroups, PackageLicenses,
-- PackageNotifications, PackageVotes, TU_Votes) are not touched, as in aurweb.
--
-- Collations are those of aurweb's final version of this revision: utf8mb4_bin
-- (case-sensitive) for OfficialProviders, SSHPubKeys and Sessions,
-- utf8mb4_general_ci for the rest, TU_VoteInfo included. aurweb edited this
-- revision in place twice (all-bin at first, then TU_VoteInfo bin, then
-- general_ci); a database that ran an earlier edit keeps other collations and
-- is taken over as it is.
-- Side effect on MariaDB: CONVERT TO widens TEXT columns to MEDIUMTEXT.
--
-- MySQL: MariaDB-only "DROP INDEX IF EXISTS ... ON", like aurweb.
-- SQLite: no charsets or collations to convert; a no-op (aurweb's upgrade
-- would fail on SQLite, its downgrade returns early there).

-- aurmig:upgrade mysql
ALTER TABLE AccountTypes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE ApiRateLimit CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE Bans CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE DependencyTypes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE `Groups` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE Licenses CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE OfficialProviders CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE PackageBases CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageBlacklist CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageComments CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageDepends CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageKeywords CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageRelations CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageRequests CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE PackageSources CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE Packages CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE RelationTypes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE RequestTypes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE SSHPubKeys CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE Sessions CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE TU_VoteInfo CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE Terms CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE Users CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;

DROP INDEX IF EXISTS ProviderNameProvides ON OfficialProviders;
CREATE UNIQUE INDEX ProviderNameProvides ON OfficialProviders (Name, Provides);

-- aurmig:upgrade sqlite
-- No-op: SQLite stores all text as UTF-8 and has no per-table charset.

-- aurmig:downgrade mysql
-- Back to utf8 / utf8_general_ci for all 23 tables, as aurweb does (the three
-- utf8mb4_bin tables too). Lossy: 4-byte characters (emoji, ...) cannot be
-- stored in utf8 (utf8mb3); in strict mode the ALTER fails on such rows.
-- Rebuilding ProviderNameProvides under a case-insensitive collation fails if
-- two rows differ only by case.
-- DEVIATION FROM AURWEB: the seven columns that the upgrade widened from TEXT
-- to MEDIUMTEXT are declared TEXT again in the same ALTER. aurweb's downgrade
-- leaves them MEDIUMTEXT, and its next upgrade then widens them to LONGTEXT;
-- here downgrade + upgrade gives back exactly the upgraded schema (checked on
-- MariaDB 10.11). A value longer than 65535 bytes makes the ALTER fail in
-- strict mode (MariaDB's default) rather than being cut.
ALTER TABLE AccountTypes CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE ApiRateLimit CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE Bans CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE DependencyTypes CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE `Groups` CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE Licenses CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE OfficialProviders CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE PackageBases CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci,
	MODIFY FlaggerComment TEXT NOT NULL;
ALTER TABLE PackageBlacklist CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE PackageComments CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci,
	MODIFY Comments TEXT NOT NULL,
	MODIFY RenderedComment TEXT NOT NULL;
ALTER TABLE PackageDepends CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE PackageKeywords CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE PackageRelations CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE PackageRequests CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci,
	MODIFY Comments TEXT NOT NULL,
	MODIFY ClosureComment TEXT NOT NULL;
ALTER TABLE PackageSources CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE Packages CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE RelationTypes CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE RequestTypes CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE SSHPubKeys CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE Sessions CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE TU_VoteInfo CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci,
	MODIFY Agenda TEXT NOT NULL;
ALTER TABLE Terms CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci;
ALTER TABLE Users CONVERT TO CHARACTER SET utf8 COLLATE utf8_general_ci,
	MODIFY Homepage TEXT NULL DEFAULT NULL;

DROP INDEX IF EXISTS ProviderNameProvides ON OfficialProviders;
CREATE UNIQUE INDEX ProviderNameProvides ON OfficialProviders (Name, Provides);

-- aurmig:downgrade sqlite
-- No-op, as the upgrade.
