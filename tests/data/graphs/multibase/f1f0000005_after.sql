-- aurmig:revision f1f0000005
-- aurmig:down_revision e1f0000004
-- aurmig:message After the three-way merge; a trigger body holds semicolons

-- aurmig:upgrade
CREATE TABLE t_f1 (id INTEGER PRIMARY KEY, note VARCHAR(20));
CREATE TRIGGER trg_f1 AFTER INSERT ON t_f1 BEGIN
    UPDATE t_f1 SET note = 'x;y' WHERE id = NEW.id;
    UPDATE t_f1 SET note = note || ';z' WHERE id = NEW.id;
END;
INSERT INTO t_f1 (id) VALUES (1);

-- aurmig:downgrade
DROP TRIGGER trg_f1;
DROP TABLE t_f1;
