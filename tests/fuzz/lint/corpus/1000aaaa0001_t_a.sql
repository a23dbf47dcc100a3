-- aurmig:revision 1000aaaa0001
-- aurmig:down_revision 
-- aurmig:message Base table
-- aurmig:create_date 2026-11-27 12:00:00



-- aurmig:upgrade
CREATE TABLE t_a (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_a (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_a;
