-- aurmig:revision c1
-- aurmig:upgrade
SELECT 1;
-- aurmig:downgrade
