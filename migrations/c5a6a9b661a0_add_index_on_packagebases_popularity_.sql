-- aurmig:revision c5a6a9b661a0
-- aurmig:down_revision e4e49ffce091
-- aurmig:message Add index on PackageBases.Popularity and .Name
-- aurmig:create_date 2023-07-02 13:46:52.522146

-- Non-unique index BasesPopularityName on PackageBases (Popularity, Name), for
-- the default search order. aurweb's schema.py never declares it, so a
-- create_all database lacks it; a chain-built one has it (as every production
-- database upgraded by aurweb does).

-- aurmig:upgrade
CREATE INDEX BasesPopularityName ON PackageBases (Popularity, Name);

-- aurmig:downgrade mysql
-- IF EXISTS (MariaDB syntax; aurweb has no guard): a database built by
-- create_all and stamped head never had the index, and would otherwise be
-- stuck above this revision.
DROP INDEX IF EXISTS BasesPopularityName ON PackageBases;

-- aurmig:downgrade sqlite
DROP INDEX IF EXISTS BasesPopularityName;
