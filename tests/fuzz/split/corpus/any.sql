INSERT INTO t VALUES ('it''s; here');

;;
SELECT 1