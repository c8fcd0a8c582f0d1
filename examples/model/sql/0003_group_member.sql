-- Members of groups: a composite primary key (group, user) and a composite unique key
-- (a nickname is unique within its group).
CREATE TABLE `group_member` (
  `group_id` bigint unsigned NOT NULL,
  `user_id` bigint unsigned NOT NULL,
  `nickname` varchar(32) NOT NULL,
  `role` enum('owner','admin','member') NOT NULL DEFAULT 'member',
  `joined_at` datetime(3) NOT NULL,
  PRIMARY KEY (`group_id`, `user_id`),
  UNIQUE KEY `nickname_unique` (`group_id`, `nickname`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='members of groups';
