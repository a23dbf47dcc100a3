-- aurmig:revision a1f0000001
-- aurmig:down_revision
-- aurmig:branch_labels alpha
-- aurmig:message First base (alpha); sqlite section must win over the generic one
-- aurmig:create_date 2026-11-28 09:00:00

-- aurmig:upgrade
CREATE TABLE t_alpha_generic (id INTEGER PRIMARY KEY);

-- aurmig:upgrade sqlite
CREATE TABLE t_a1 (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'x;y');
INSERT INTO t_a1 (note) VALUES ('semi; colon'); INSERT INTO t_a1 (note) VALUES ('two'' per line');

-- aurmig:downgrade
DROP TABLE t_alpha_generic;

-- aurmig:downgrade sqlite
DROP TABLE t_a1;
