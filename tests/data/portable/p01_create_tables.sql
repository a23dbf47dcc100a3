-- aurmig:revision p01
-- aurmig:message create tables with every portable type
-- aurmig:upgrade portable
CREATE TABLE users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  email VARCHAR(254) NOT NULL DEFAULT '',
  score DECIMAL(10,2) NOT NULL DEFAULT 0,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created TIMESTAMP NULL DEFAULT NULL,
  bio TEXT NULL,
  avatar BLOB NULL,
  UNIQUE (name)
);
CREATE TABLE posts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id INT UNSIGNED NOT NULL,
  title CHAR(10) NOT NULL,
  small TINYINT NOT NULL DEFAULT 1,
  mid SMALLINT NULL,
  medium MEDIUMINT NULL,
  weight DOUBLE NULL,
  ratio FLOAT NULL,
  posted DATE NULL,
  at_time TIME NULL,
  at_dt DATETIME NULL,
  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX posts_title ON posts (title);
INSERT INTO users (name, email) VALUES ('alice', 'a@example.org');
INSERT INTO users (name, email) VALUES ('bob', 'b@example.org');
INSERT INTO posts (user_id, title) VALUES (1, 'hello');
INSERT INTO posts (user_id, title) VALUES (2, 'world');

-- aurmig:downgrade portable
DROP TABLE posts;
DROP TABLE users;
