-- aurmig:revision b1f0000001
-- aurmig:down_revision
-- aurmig:branch_labels yew
-- aurmig:message Second, independent base (yew)

-- aurmig:upgrade
CREATE TABLE t_b1 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_b1;
