-- aurmig:revision a2f0000002
-- aurmig:down_revision a1f0000001
-- aurmig:message Alpha second; branch point

-- aurmig:upgrade
/* a block comment; with a semicolon */
CREATE TABLE t_a2 (id INTEGER PRIMARY KEY, x INTEGER); CREATE INDEX ix_a2_x ON t_a2 (x);
-- a trailing comment; with a semicolon

-- aurmig:downgrade
DROP INDEX ix_a2_x;
DROP TABLE t_a2;
