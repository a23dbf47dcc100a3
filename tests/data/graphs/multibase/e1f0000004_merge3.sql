-- aurmig:revision e1f0000004
-- aurmig:down_revision (c1f0000003, d1f0000003, b2f0000002)
-- aurmig:message Three-way merge of c, d and yew

-- aurmig:upgrade
CREATE TABLE t_e1 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_e1;
