-- aurmig:revision p05
-- aurmig:down_revision p04
-- aurmig:message rename a table others refer to; make and drop one
-- aurmig:upgrade portable
RENAME TABLE posts TO articles;
CREATE TABLE scratch (id INT NOT NULL PRIMARY KEY, note VARCHAR(10) NULL);
ALTER TABLE scratch RENAME TO scratch2;
DROP TABLE scratch2;

-- aurmig:downgrade portable
DROP TABLE IF EXISTS scratch2;
RENAME TABLE articles TO posts;
