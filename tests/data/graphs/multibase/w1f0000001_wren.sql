-- aurmig:revision w1f0000001
-- aurmig:down_revision
-- aurmig:branch_labels wren
-- aurmig:depends_on a1f0000001
-- aurmig:message Third base (wren), depends on the alpha base; stays a separate head

-- aurmig:upgrade
CREATE TABLE t_w1 (id INTEGER PRIMARY KEY);

-- aurmig:downgrade
DROP TABLE t_w1;
