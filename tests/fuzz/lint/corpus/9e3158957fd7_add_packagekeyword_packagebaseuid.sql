-- aurmig:revision 9e3158957fd7
-- aurmig:down_revision 6441d3b65270
-- aurmig:message add PackageKeyword.PackageBaseUID index
-- aurmig:create_date 2022-10-17 11:11:46.203322

-- Non-unique index KeywordsPackageBaseID on PackageKeywords (PackageBaseID),
-- for the package-meta export. (The message says PackageBaseUID; the column
-- is PackageBaseID. The message is kept as aurweb has it.)
-- On MySQL the foreign key keeps using the primary key (PackageBaseID,
-- Keyword), so the index can be dropped again.

-- aurmig:upgrade
CREATE INDEX KeywordsPackageBaseID ON PackageKeywords (PackageBaseID);

-- aurmig:downgrade mysql
DROP INDEX KeywordsPackageBaseID ON PackageKeywords;

-- aurmig:downgrade sqlite
DROP INDEX KeywordsPackageBaseID;
