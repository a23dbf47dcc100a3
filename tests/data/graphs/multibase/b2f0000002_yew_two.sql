-- aurmig:revision b2f0000002
-- aurmig:down_revision b1f0000001
-- aurmig:message Yew second

-- aurmig:upgrade
CREATE TABLE t_b2 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_b2;
