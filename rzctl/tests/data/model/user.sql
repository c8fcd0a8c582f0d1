CREATE DATABASE IF NOT EXISTS community;
USE community;
SET NAMES utf8mb4;
DROP TABLE IF EXISTS `user`;

CREATE TABLE `user` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT COMMENT 'user id',
  `name` varchar(64) NOT NULL DEFAULT '' COMMENT 'display name',
  `mobile` varchar(128) NOT NULL COMMENT 'encrypted mobile',
  `avatar` varchar(255) DEFAULT NULL,
  `vip` tinyint(1) NOT NULL DEFAULT 0,
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `update_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `mobile_unique` (`mobile`),
  KEY `name_idx` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='users of the community';
