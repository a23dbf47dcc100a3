-- aurmig:revision l001
-- aurmig:nolint D -- cleanup
-- aurmig:upgrade pgsql
CREATE INDEX CONCURRENTLY i ON t (c);
ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid(), ALTER COLUMN c TYPE bigint, ALTER COLUMN d SET NOT NULL;
ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users(id) NOT VALID;
DO $$ BEGIN UPDATE t SET a = 1; END $$;
-- aurmig:nolint L106 -- small table
DROP INDEX i;
-- aurmig:downgrade pgsql
DROP INDEX CONCURRENTLY IF EXISTS i;
