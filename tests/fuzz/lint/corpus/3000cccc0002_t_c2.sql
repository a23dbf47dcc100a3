-- aurmig:revision 3000cccc0002
-- aurmig:down_revision 3000cccc0001
-- aurmig:message Branch c second, needs b1
-- aurmig:create_date 2026-11-27 12:00:00

-- aurmig:depends_on 2000bbbb0001

-- aurmig:upgrade
CREATE TABLE t_c2 (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_c2 (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_c2;
