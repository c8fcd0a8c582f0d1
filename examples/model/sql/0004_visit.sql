-- One row per visit: nothing to write but the id the database numbers (and the time it fills).
CREATE TABLE `visit` (
  `id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB COMMENT='visits';
