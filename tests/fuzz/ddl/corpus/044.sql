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
)