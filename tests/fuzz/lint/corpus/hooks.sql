-- aurmig:revision h1
-- aurmig:upgrade
CREATE TABLE a (x INTEGER);
-- aurmig:hook fill_a default
INSERT INTO a VALUES (1);
INSERT INTO a VALUES (2);
-- aurmig:end-hook
-- aurmig:hook notify
SELECT 1;
-- aurmig:downgrade
-- aurmig:hook unfill
DROP TABLE a;
