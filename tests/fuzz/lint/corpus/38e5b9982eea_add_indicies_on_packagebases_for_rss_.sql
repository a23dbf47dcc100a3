-- aurmig:revision 38e5b9982eea
-- aurmig:down_revision 7d65d35fae45
-- aurmig:message add indicies on PackageBases for RSS order by
-- aurmig:create_date 2024-08-03 01:35:39.104283

-- Non-unique indexes BasesModifiedTS and BasesSubmittedTS on PackageBases, for
-- the RSS feeds' ORDER BY. (The message's spelling "indicies" is aurweb's.)

-- aurmig:upgrade
CREATE INDEX BasesModifiedTS ON PackageBases (ModifiedTS);
CREATE INDEX BasesSubmittedTS ON PackageBases (SubmittedTS);

-- aurmig:downgrade mysql
DROP INDEX BasesSubmittedTS ON PackageBases;
DROP INDEX BasesModifiedTS ON PackageBases;

-- aurmig:downgrade sqlite
DROP INDEX BasesSubmittedTS;
DROP INDEX BasesModifiedTS;
