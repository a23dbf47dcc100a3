-- aurmig:revision p02
-- aurmig:down_revision p01
-- aurmig:message add, drop and rename columns; set a default
-- aurmig:upgrade portable
ALTER TABLE users ADD COLUMN nickname VARCHAR(32) NULL;
ALTER TABLE users ADD COLUMN level INT NOT NULL DEFAULT 5;
ALTER TABLE users RENAME COLUMN bio TO about;
ALTER TABLE posts DROP COLUMN at_dt;
ALTER TABLE users ALTER COLUMN level SET DEFAULT 7;

-- aurmig:downgrade portable
ALTER TABLE users ALTER COLUMN level SET DEFAULT 5;
ALTER TABLE posts ADD COLUMN at_dt DATETIME NULL;
ALTER TABLE users RENAME COLUMN about TO bio;
ALTER TABLE users DROP COLUMN level, DROP COLUMN nickname;
