CREATE TABLE tags (
  name VARCHAR(20) NOT NULL,
  post_id BIGINT NOT NULL,
  PRIMARY KEY (name, post_id),
  CONSTRAINT tags_post FOREIGN KEY (post_id) REFERENCES articles (id)
)