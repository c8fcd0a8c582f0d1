//! Reading table definitions from a live MySQL/MariaDB: `SHOW CREATE TABLE` gives the DDL,
//! which then goes through the same parser as DDL files, so both paths make the same models.

use sqlx::Connection;

/// `(name, DDL)` of every table matching `patterns` (comma separated, `*` wildcards).
pub async fn read(url: &str, patterns: &str) -> Result<Vec<(String, String)>, String> {
    let shown = redact(url);
    let url = url.replacen("mariadb://", "mysql://", 1);
    let mut conn = sqlx::MySqlConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to {shown}: {e}"))?;
    // Views are listed beside tables but have no rows of their own to model.
    let tables: Vec<String> =
        sqlx::query_as::<_, (String, String)>("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| format!("{shown}: cannot list tables: {e}"))?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
    let wanted: Vec<&str> = patterns
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut out = Vec::new();
    for table in tables
        .into_iter()
        .filter(|t| wanted.iter().any(|p| matches(p, t)))
    {
        let quoted = format!("`{}`", table.replace('`', "``"));
        let row: (String, String) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SHOW CREATE TABLE {quoted}")))
                .fetch_one(&mut conn)
                .await
                .map_err(|e| format!("{shown}: cannot read table {table}: {e}"))?;
        out.push((format!("{shown}/{table}"), format!("{};\n", row.1)));
    }
    if out.is_empty() {
        return Err(format!("{shown} has no table matching `{patterns}`"));
    }
    Ok(out)
}

/// `*` matches any run of characters; everything else matches itself.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| matches(tail, &rest[i..]))
        }
    }
}

/// The DSN with its password hidden, for messages and generated headers.
pub fn redact(dsn: &str) -> String {
    let Some((scheme, rest)) = dsn.split_once("://") else {
        return dsn.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => dsn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_table_names() {
        assert!(matches("user*", "user_profile"));
        assert!(matches("*", "anything"));
        assert!(matches("*_log", "access_log"));
        assert!(!matches("user*", "article"));
        assert!(matches("article", "article"));
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("mysql://root:pw@127.0.0.1:3306/db"),
            "mysql://root@127.0.0.1:3306/db"
        );
    }
}
