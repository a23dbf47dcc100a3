-- aurmig:revision 2000bbbb0002
-- aurmig:down_revision 2000bbbb0001
-- aurmig:message Branch b second
-- aurmig:create_date 2026-11-27 12:00:00



-- aurmig:upgrade
CREATE TABLE t_b2 (id INTEGER PRIMARY KEY, note VARCHAR(20) DEFAULT 'a;b');
INSERT INTO t_b2 (note) VALUES ('it''s; here');

-- aurmig:downgrade
DROP TABLE t_b2;
