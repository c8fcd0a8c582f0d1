-- The users of the community. The mobile number is personal data: the table holds it sealed
-- (AES-256-GCM) and finds it by a keyed digest (HMAC-SHA256), never in plain text.
CREATE TABLE `user` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT COMMENT 'user id',
  `name` varchar(64) NOT NULL COMMENT 'display name, unique',
  `mobile` varchar(255) NOT NULL COMMENT 'the mobile number, sealed with the service key',
  `mobile_digest` char(64) NOT NULL COMMENT 'keyed digest of the mobile number, for lookups',
  `password` varchar(255) NOT NULL DEFAULT '' COMMENT 'argon2id PHC string; empty when none was set',
  `avatar` varchar(512) NOT NULL DEFAULT '' COMMENT 'avatar URL',
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `update_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name_unique` (`name`),
  UNIQUE KEY `mobile_digest_unique` (`mobile_digest`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='users of the community';
