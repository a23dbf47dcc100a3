-- aurmig:revision d1f0000003
-- aurmig:down_revision a2f0000002
-- aurmig:depends_on b1f0000001
-- aurmig:message Alpha branch d, needs the yew base

-- aurmig:upgrade
CREATE TABLE t_d1 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_d1;
