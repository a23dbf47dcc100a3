-- aurmig:revision d1
-- aurmig:down_revision (a1, b2)
-- aurmig:depends_on lbl
-- aurmig:branch_labels x, y
-- aurmig:transaction off
-- aurmig:message m
-- aurmig:create_date 2020-01-01

-- aurmig:upgrade sqlite
CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END;
-- aurmig:upgrade mysql
DELIMITER $$
CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END $$
DELIMITER ;
-- aurmig:upgrade pgsql
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
SELECT E'a\'b';
-- aurmig:downgrade
DROP TABLE a;
-- aurmig:downgrade pgsql
/* nested /* comment */ */ DROP FUNCTION f;
