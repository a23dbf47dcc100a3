-- aurmig:revision c1f0000003
-- aurmig:down_revision a2f0000002
-- aurmig:message Alpha branch c

-- aurmig:upgrade
CREATE TABLE t_c1 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_c1;
