-- aurmig:revision 5000eeee0001
-- aurmig:down_revision 4000dddd0001
-- aurmig:message After the merge
-- aurmig:create_date 2026-11-27 12:00:00



-- aurmig:upgrade
CREATE TABLE t_d (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_d (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_d;
