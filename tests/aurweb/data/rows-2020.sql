-- Test rows for the 2020 aurweb schema (schema-2020-<dialect>.sql), a few in
-- every one of its 30 tables, written by hand for tests/aurweb/test_aurweb.py.
-- The same file serves SQLite and MariaDB: identifiers in backticks (SQLite
-- accepts them), tables in foreign-key order, one statement per line end.
-- The seed tables (AccountTypes, DependencyTypes, RelationTypes, RequestTypes)
-- already hold their 2020 rows from the schema file.
--
-- What the chain must do with them (asserted by the test):
--   * Users 3 (spammer) is suspended and has no content: b7c419f0a2d1 deletes
--     it with its session, SSH key and accepted terms; Users 4 (carol) is
--     suspended but wrote a comment and stays.
--   * Sessions: alice has two; f2701a76f4a9 keeps the greater SessionID.
--   * PackageVotes: dave's VoteTS is NULL; d64e5571bc8d sets it to 0.
--   * PackageBases.NumVotes is wrong (7 and 0); 6441d3b65270 recounts it.
--   * TU_VoteInfo with 200 active TUs becomes VoteInfo.ActiveUsers = 200.
--   * EmailVerified becomes 1 where Passwd is not empty (alice, carol, dave).

INSERT INTO `Users` (`ID`, `AccountTypeID`, `Suspended`, `Username`, `Email`, `BackupEmail`, `Passwd`, `Salt`, `RealName`, `Homepage`, `PGPKey`, `LastLogin`, `RegistrationTS`) VALUES (1, 2, 0, 'alice', 'alice@example.org', 'alice.backup@example.org', '$2y$10$alicehash', '', 'Alice A.', 'https://alice.example.org/', '0123456789ABCDEF0123456789ABCDEF01234567', 1580000000, '2015-03-01 10:00:00');
INSERT INTO `Users` (`ID`, `AccountTypeID`, `Suspended`, `Username`, `Email`, `Passwd`, `RegistrationTS`) VALUES (2, 1, 0, 'bob', 'bob@example.org', '', '2016-04-02 11:00:00');
INSERT INTO `Users` (`ID`, `AccountTypeID`, `Suspended`, `Username`, `Email`, `Passwd`, `RegistrationTS`) VALUES (3, 1, 1, 'spammer', 'spam@example.net', '$2y$10$spamhash', '2019-12-24 23:59:59');
INSERT INTO `Users` (`ID`, `AccountTypeID`, `Suspended`, `Username`, `Email`, `Passwd`, `RegistrationTS`) VALUES (4, 1, 1, 'carol', 'carol@example.org', '$2y$10$carolhash', '2017-05-03 12:00:00');
INSERT INTO `Users` (`ID`, `AccountTypeID`, `Suspended`, `Username`, `Email`, `Passwd`, `CommentNotify`, `UpdateNotify`, `OwnershipNotify`, `RegistrationTS`) VALUES (5, 4, 0, 'dave', 'dave@example.org', '$2y$10$davehash', 0, 1, 0, '2012-01-01 00:00:00');

INSERT INTO `SSHPubKeys` (`UserID`, `Fingerprint`, `PubKey`) VALUES (1, 'SHA256:alicekeyfingerprint0123456789abcdefgh', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIalice alice@host');
INSERT INTO `SSHPubKeys` (`UserID`, `Fingerprint`, `PubKey`) VALUES (3, 'SHA256:spamkeyfingerprint0123456789abcdefghi', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIspam spam@host');

INSERT INTO `Sessions` (`UsersID`, `SessionID`, `LastUpdateTS`) VALUES (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1580000100);
INSERT INTO `Sessions` (`UsersID`, `SessionID`, `LastUpdateTS`) VALUES (1, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 1580000200);
INSERT INTO `Sessions` (`UsersID`, `SessionID`, `LastUpdateTS`) VALUES (2, 'cccccccccccccccccccccccccccccccc', 1580000300);
INSERT INTO `Sessions` (`UsersID`, `SessionID`, `LastUpdateTS`) VALUES (3, 'dddddddddddddddddddddddddddddddd', 1580000400);

INSERT INTO `PackageBases` (`ID`, `Name`, `NumVotes`, `Popularity`, `OutOfDateTS`, `FlaggerComment`, `SubmittedTS`, `ModifiedTS`, `FlaggerUID`, `SubmitterUID`, `MaintainerUID`, `PackagerUID`) VALUES (1, 'foo', 7, 1.5, NULL, '', 1400000000, 1500000000, NULL, 1, 1, 1);
INSERT INTO `PackageBases` (`ID`, `Name`, `NumVotes`, `Popularity`, `OutOfDateTS`, `FlaggerComment`, `SubmittedTS`, `ModifiedTS`, `FlaggerUID`, `SubmitterUID`, `MaintainerUID`, `PackagerUID`) VALUES (2, 'bar', 0, 0.25, 1550000000, 'version 2.0 is out', 1410000000, 1510000000, 5, 2, 2, NULL);

INSERT INTO `PackageKeywords` (`PackageBaseID`, `Keyword`) VALUES (1, 'editor');
INSERT INTO `PackageKeywords` (`PackageBaseID`, `Keyword`) VALUES (1, 'terminal');
INSERT INTO `PackageKeywords` (`PackageBaseID`, `Keyword`) VALUES (2, 'library');

INSERT INTO `Packages` (`ID`, `PackageBaseID`, `Name`, `Version`, `Description`, `URL`) VALUES (1, 1, 'foo', '1.0-1', 'The foo editor', 'https://foo.example.org/');
INSERT INTO `Packages` (`ID`, `PackageBaseID`, `Name`, `Version`, `Description`, `URL`) VALUES (2, 1, 'foo-docs', '1.0-1', 'Documentation for foo', NULL);
INSERT INTO `Packages` (`ID`, `PackageBaseID`, `Name`, `Version`, `Description`, `URL`) VALUES (3, 2, 'bar', '1.9-2', NULL, NULL);

INSERT INTO `Licenses` (`ID`, `Name`) VALUES (1, 'GPL');
INSERT INTO `Licenses` (`ID`, `Name`) VALUES (2, 'MIT');
INSERT INTO `PackageLicenses` (`PackageID`, `LicenseID`) VALUES (1, 1);
INSERT INTO `PackageLicenses` (`PackageID`, `LicenseID`) VALUES (3, 2);

INSERT INTO `Groups` (`ID`, `Name`) VALUES (1, 'editors');
INSERT INTO `PackageGroups` (`PackageID`, `GroupID`) VALUES (1, 1);

INSERT INTO `PackageDepends` (`PackageID`, `DepTypeID`, `DepName`, `DepDesc`, `DepCondition`, `DepArch`) VALUES (1, 1, 'glibc', NULL, '>=2.30', NULL);
INSERT INTO `PackageDepends` (`PackageID`, `DepTypeID`, `DepName`, `DepDesc`, `DepCondition`, `DepArch`) VALUES (1, 4, 'bar', 'for the bar plugin', '', 'x86_64');

INSERT INTO `PackageRelations` (`PackageID`, `RelTypeID`, `RelName`, `RelCondition`, `RelArch`) VALUES (1, 1, 'foo-git', '', NULL);
INSERT INTO `PackageRelations` (`PackageID`, `RelTypeID`, `RelName`, `RelCondition`, `RelArch`) VALUES (1, 2, 'editor', '=1.0', NULL);

INSERT INTO `PackageSources` (`PackageID`, `Source`, `SourceArch`) VALUES (1, 'https://foo.example.org/foo-1.0.tar.gz', NULL);
INSERT INTO `PackageSources` (`PackageID`, `Source`, `SourceArch`) VALUES (3, 'bar.patch', 'x86_64');

INSERT INTO `PackageVotes` (`UsersID`, `PackageBaseID`, `VoteTS`) VALUES (1, 1, 1560000000);
INSERT INTO `PackageVotes` (`UsersID`, `PackageBaseID`, `VoteTS`) VALUES (5, 1, NULL);
INSERT INTO `PackageVotes` (`UsersID`, `PackageBaseID`, `VoteTS`) VALUES (2, 2, 1560000001);

INSERT INTO `PackageComments` (`ID`, `PackageBaseID`, `UsersID`, `Comments`, `RenderedComment`, `CommentTS`, `EditedTS`, `EditedUsersID`, `DelTS`, `DelUsersID`, `PinnedTS`) VALUES (1, 1, 4, 'Builds fine here.', '<p>Builds fine here.</p>', 1570000000, NULL, NULL, NULL, NULL, 0);
INSERT INTO `PackageComments` (`ID`, `PackageBaseID`, `UsersID`, `Comments`, `RenderedComment`, `CommentTS`, `EditedTS`, `EditedUsersID`, `DelTS`, `DelUsersID`, `PinnedTS`) VALUES (2, 1, 1, 'Pinned: read the wiki ''first''.', '', 1570000100, 1570000200, 5, NULL, NULL, 1570000300);
INSERT INTO `PackageComments` (`ID`, `PackageBaseID`, `UsersID`, `Comments`, `RenderedComment`, `CommentTS`, `EditedTS`, `EditedUsersID`, `DelTS`, `DelUsersID`, `PinnedTS`) VALUES (3, 2, 2, 'deleted comment', '', 1570000400, NULL, NULL, 1570000500, 5, 0);

INSERT INTO `PackageComaintainers` (`UsersID`, `PackageBaseID`, `Priority`) VALUES (2, 1, 1);
INSERT INTO `PackageComaintainers` (`UsersID`, `PackageBaseID`, `Priority`) VALUES (5, 1, 2);

INSERT INTO `PackageNotifications` (`PackageBaseID`, `UserID`) VALUES (1, 2);
INSERT INTO `PackageNotifications` (`PackageBaseID`, `UserID`) VALUES (2, 1);

INSERT INTO `PackageBlacklist` (`ID`, `Name`) VALUES (1, 'linux');

INSERT INTO `OfficialProviders` (`ID`, `Name`, `Repo`, `Provides`) VALUES (1, 'glibc', 'core', 'glibc');
INSERT INTO `OfficialProviders` (`ID`, `Name`, `Repo`, `Provides`) VALUES (2, 'vim', 'extra', 'editor');

INSERT INTO `PackageRequests` (`ID`, `ReqTypeID`, `PackageBaseID`, `PackageBaseName`, `MergeBaseName`, `UsersID`, `Comments`, `ClosureComment`, `RequestTS`, `ClosedTS`, `ClosedUID`, `Status`) VALUES (1, 1, 2, 'bar', NULL, 1, 'bar is dead upstream', 'accepted', 1580000500, 1580000600, 5, 2);
INSERT INTO `PackageRequests` (`ID`, `ReqTypeID`, `PackageBaseID`, `PackageBaseName`, `MergeBaseName`, `UsersID`, `Comments`, `ClosureComment`, `RequestTS`, `ClosedTS`, `ClosedUID`, `Status`) VALUES (2, 3, 1, 'foo', 'foo-git', 2, 'please merge', '', 1580000700, NULL, NULL, 0);

INSERT INTO `TU_VoteInfo` (`ID`, `Agenda`, `User`, `Submitted`, `End`, `Quorum`, `SubmitterID`, `Yes`, `No`, `Abstain`, `ActiveTUs`) VALUES (1, 'Make bob a TU', 'bob', 1575000000, 1575604800, 0.66, 1, 2, 0, 1, 200);
INSERT INTO `TU_Votes` (`VoteID`, `UserID`) VALUES (1, 1);
INSERT INTO `TU_Votes` (`VoteID`, `UserID`) VALUES (1, 5);

INSERT INTO `Bans` (`IPAddress`, `BanTS`) VALUES ('192.0.2.66', '2020-01-15 08:30:00');

INSERT INTO `Terms` (`ID`, `Description`, `URL`, `Revision`) VALUES (1, 'AUR submission guidelines', 'https://wiki.example.org/AUR_submission_guidelines', 2);
INSERT INTO `AcceptedTerms` (`UsersID`, `TermsID`, `Revision`) VALUES (1, 1, 2);
INSERT INTO `AcceptedTerms` (`UsersID`, `TermsID`, `Revision`) VALUES (3, 1, 1);

INSERT INTO `ApiRateLimit` (`IP`, `Requests`, `WindowStart`) VALUES ('192.0.2.10', 42, 1580000000);
