-- aurmig:portable
-- aurmig:schema-revision p05
--
-- tests/data/portable at its head, declared once in portable DDL: the
-- declared schema of test_portable.py's init and check --schema tests on
-- every backend.

CREATE TABLE articles (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id INT UNSIGNED NOT NULL,
  headline VARCHAR(100) NOT NULL,
  small TINYINT NOT NULL DEFAULT 1,
  mid SMALLINT NULL,
  medium MEDIUMINT NULL,
  weight DOUBLE NULL,
  ratio FLOAT NULL,
  posted DATE NULL,
  at_time TIME NULL,
  CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX posts_title ON articles (headline);
CREATE UNIQUE INDEX posts_user_headline ON articles (headline, user_id);

CREATE TABLE tags (
  name VARCHAR(20) NOT NULL,
  post_id BIGINT NOT NULL,
  PRIMARY KEY (name, post_id),
  CONSTRAINT tags_post FOREIGN KEY (post_id) REFERENCES articles (id)
);

CREATE TABLE users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  email VARCHAR(254) NOT NULL,
  score DECIMAL(10,2) NOT NULL DEFAULT 0,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created TIMESTAMP NULL DEFAULT NULL,
  about TEXT NULL,
  avatar BLOB NULL,
  nickname VARCHAR(64) NOT NULL DEFAULT 'x',
  level INT NOT NULL DEFAULT 7,
  UNIQUE KEY users_email_key (email)
);

INSERT INTO users (name, email, nickname) VALUES ('root', 'root@example.org', 'root');
