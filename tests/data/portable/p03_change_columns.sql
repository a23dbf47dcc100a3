-- aurmig:revision p03
-- aurmig:down_revision p02
-- aurmig:message change type, nullability and default (SQLite rebuilds)
-- aurmig:upgrade portable
UPDATE users SET nickname = name WHERE nickname IS NULL;
ALTER TABLE users MODIFY COLUMN nickname VARCHAR(64) NOT NULL DEFAULT 'x';
ALTER TABLE posts CHANGE COLUMN title headline VARCHAR(100) NOT NULL;
ALTER TABLE users ALTER COLUMN email DROP DEFAULT;

-- aurmig:downgrade portable
ALTER TABLE users ALTER COLUMN email SET DEFAULT '';
ALTER TABLE posts CHANGE COLUMN headline title CHAR(10) NOT NULL;
ALTER TABLE users MODIFY COLUMN nickname VARCHAR(32) NULL;
