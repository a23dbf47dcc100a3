CREATE TABLE `q``x` ("a""b" INT /* c */ -- d
 NOT NULL DEFAULT (1 + (2)) # e
)