-- aurmig:revision 6a64dd126029
-- aurmig:down_revision c5a6a9b661a0
-- aurmig:message Rename TU to Package Maintainer
-- aurmig:create_date 2023-09-01 13:48:15.315244

-- Data only: renames account types 2 and 4.
-- aurweb does this through its ORM and crashes if a row is missing; these
-- UPDATEs simply change nothing in that case.

-- aurmig:upgrade
UPDATE AccountTypes SET AccountType = 'Package Maintainer' WHERE ID = 2;
UPDATE AccountTypes SET AccountType = 'Package Maintainer & Developer' WHERE ID = 4;

-- aurmig:downgrade
UPDATE AccountTypes SET AccountType = 'Trusted User' WHERE ID = 2;
UPDATE AccountTypes SET AccountType = 'Trusted User & Developer' WHERE ID = 4;
