-- aurmig:revision l003
-- aurmig:upgrade sqlite
CREATE TEMP TABLE w (id INTEGER PRIMARY KEY);
CREATE TABLE t_new (id INTEGER PRIMARY KEY, "quoted name" TEXT);
INSERT INTO t_new SELECT * FROM t;
DROP TABLE t;
ALTER TABLE t_new RENAME TO t;
ALTER TABLE t ADD c INT NOT NULL;
BEGIN;
COMMIT;
-- aurmig:hook fill
CREATE UNIQUE INDEX u ON t (c);
-- aurmig:upgrade portable
ALTER TABLE t MODIFY COLUMN c BIGINT NOT NULL;
CREATE TABLE p (id int NOT NULL PRIMARY KEY, n varchar(20) NULL);
ALTER TABLE p DROP COLUMN n;
-- aurmig:downgrade portable
DROP TABLE p;
