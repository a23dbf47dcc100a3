-- aurmig:revision p04
-- aurmig:down_revision p03
-- aurmig:message unique, foreign and primary keys
-- aurmig:upgrade portable
ALTER TABLE users ADD UNIQUE KEY users_email_key (email);
CREATE UNIQUE INDEX posts_user_headline ON posts (headline, user_id);
ALTER TABLE users DROP INDEX users_name_key;
CREATE TABLE tags (name VARCHAR(20) NOT NULL, post_id BIGINT NOT NULL);
ALTER TABLE tags ADD PRIMARY KEY (name, post_id);
ALTER TABLE tags ADD CONSTRAINT tags_post FOREIGN KEY (post_id) REFERENCES posts (id);
INSERT INTO tags (name, post_id) VALUES ('greeting', 1);

-- aurmig:downgrade portable
ALTER TABLE tags DROP FOREIGN KEY tags_post;
ALTER TABLE tags DROP PRIMARY KEY;
DROP TABLE tags;
ALTER TABLE users ADD UNIQUE (name);
DROP INDEX posts_user_headline ON posts;
ALTER TABLE users DROP INDEX users_email_key;
