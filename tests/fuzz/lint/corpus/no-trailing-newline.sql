-- aurmig:revision n1
-- aurmig:upgrade
SELECT 'x'