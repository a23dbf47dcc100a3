-- aurmig:revision 2000bbbb0001
-- aurmig:down_revision 1000aaaa0001
-- aurmig:message Branch b first
-- aurmig:create_date 2026-11-27 12:00:00
-- aurmig:branch_labels bee


-- aurmig:upgrade
CREATE TABLE t_b1 (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_b1 (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_b1;
