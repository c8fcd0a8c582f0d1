-- The users of a community: a unique mobile (stored encrypted), a unique name.
CREATE DATABASE IF NOT EXISTS model_example;
USE model_example;
SET NAMES utf8mb4;

DROP TABLE IF EXISTS `user`;
CREATE TABLE `user` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT COMMENT 'user id',
  `name` varchar(64) NOT NULL COMMENT 'display name, unique',
  `mobile` varchar(128) NOT NULL COMMENT 'encrypted mobile number',
  `avatar` varchar(255) DEFAULT NULL COMMENT 'avatar URL',
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `update_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name_unique` (`name`),
  UNIQUE KEY `mobile_unique` (`mobile`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='users of the community';
