-- aurmig:revision 4000dddd0001
-- aurmig:down_revision 2000bbbb0002 3000cccc0002
-- aurmig:message Merge b and c
-- aurmig:create_date 2026-11-27 12:00:00



-- aurmig:upgrade
CREATE TABLE t_m (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_m (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_m;
