//! MySQL DDL files to [`Table`]s. sqlparser reads the statements; this module keeps what a
//! model needs and reports what it cannot use with the file, line and column.

use super::schema::{Column, Index, SqlType, Table};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use sqlparser::ast::{
    ColumnOption, CreateTable, DataType, Expr, Ident, IndexColumn, SqlOption, Statement,
    TableConstraint,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token};
use std::sync::Arc;

/// The tables of one DDL file, and every problem found.
pub fn parse(file: &Arc<SourceFile>) -> (Vec<Table>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let statements = match Parser::parse_sql(&MySqlDialect {}, file.text()) {
        Ok(statements) => statements,
        Err(err) => {
            diags.push(parse_error(file, &err.to_string()));
            return (Vec::new(), diags);
        }
    };
    let mut tables: Vec<Table> = Vec::new();
    for statement in &statements {
        match statement {
            Statement::CreateTable(create) => {
                if let Some(table) = lower_table(file, create, &mut diags) {
                    if let Some(previous) = tables
                        .iter()
                        .find(|t| t.name.eq_ignore_ascii_case(&table.name))
                    {
                        diags.push(
                            error_at(
                                file,
                                start_of(&create.name.0.last().and_then(|p| p.as_ident()).cloned()),
                                format!("table `{}` is created twice", table.name),
                            )
                            .with_note(format!("first created in {}", previous.source)),
                        );
                        continue;
                    }
                    tables.push(table);
                }
            }
            Statement::CreateIndex(index) => {
                let table_name = last_name(&index.table_name);
                let Some(table) = tables
                    .iter_mut()
                    .find(|t| t.name.eq_ignore_ascii_case(&table_name))
                else {
                    diags.push(error_at(
                        file,
                        statement_start(statement),
                        format!("`CREATE INDEX` on table `{table_name}`, which this file has not created (yet)"),
                    ));
                    continue;
                };
                let name = index
                    .name
                    .as_ref()
                    .map(last_name)
                    .unwrap_or_else(|| format!("idx_{}", table_name));
                if let Some(columns) = index_columns(file, table, &index.columns, &mut diags) {
                    let target = if index.unique {
                        &mut table.unique_keys
                    } else {
                        &mut table.indexes
                    };
                    target.push(Index { name, columns });
                    table.mysql_ddl.push_str(&format!("\n{statement};"));
                }
            }
            // Statements that set up a session or database around the tables: skipped.
            Statement::CreateDatabase { .. }
            | Statement::CreateSchema { .. }
            | Statement::Use(_)
            | Statement::Set(_)
            | Statement::Drop { .. }
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. } => {}
            other => diags.push(error_at(
                file,
                statement_start(other),
                format!(
                    "rzctl cannot use this statement ({}); expected CREATE TABLE or CREATE INDEX",
                    first_words(&other.to_string())
                ),
            )),
        }
    }
    (tables, diags)
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// sqlparser's messages end in `at Line: L, Column: C`.
fn parse_error(file: &Arc<SourceFile>, message: &str) -> Diagnostic {
    let position = message.rsplit_once("Line: ").and_then(|(_, rest)| {
        let (line, rest) = rest.split_once(',')?;
        let column = rest.trim().strip_prefix("Column: ")?;
        let column: String = column.chars().take_while(char::is_ascii_digit).collect();
        Some((
            line.trim().parse::<usize>().ok()?,
            column.parse::<usize>().ok()?,
        ))
    });
    let text = message
        .split(" at Line: ")
        .next()
        .unwrap_or(message)
        .trim_start_matches("sql parser error: ");
    match position {
        Some((line, column)) => {
            let offset = file.offset(line, column);
            Diagnostic::error(file, offset..offset + 1, format!("invalid SQL: {text}"))
        }
        None => Diagnostic::bare(format!("{}: invalid SQL: {text}", file.name())),
    }
}

fn statement_start(statement: &Statement) -> Location {
    use sqlparser::ast::Spanned;
    statement.span().start
}

fn start_of(ident: &Option<Ident>) -> Location {
    ident
        .as_ref()
        .map_or(Location { line: 0, column: 0 }, |i| i.span.start)
}

fn error_at(file: &Arc<SourceFile>, at: Location, message: String) -> Diagnostic {
    if at.line == 0 {
        return Diagnostic::bare(format!("{}: {message}", file.name()));
    }
    let offset = file.offset(at.line as usize, at.column as usize);
    let end = file.text()[offset..]
        .find(|c: char| c.is_whitespace() || c == ',' || c == ')' || c == ';')
        .map_or(offset + 1, |n| offset + n.max(1));
    Diagnostic::error(file, offset..end, message)
}

fn last_name(name: &sqlparser::ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_default()
}

fn lower_table(
    file: &Arc<SourceFile>,
    create: &CreateTable,
    diags: &mut Diagnostics,
) -> Option<Table> {
    let name = last_name(&create.name);
    let mut table = Table {
        name: name.clone(),
        comment: table_comment(create),
        columns: Vec::new(),
        primary_key: Vec::new(),
        unique_keys: Vec::new(),
        indexes: Vec::new(),
        mysql_ddl: format!("{};", Statement::CreateTable(create.clone())),
        source: file.name().to_owned(),
    };
    let before = diags.len();
    for def in &create.columns {
        let Some(ty) = sql_type(&def.data_type) else {
            diags.push(error_at(
                file,
                def.name.span.start,
                format!(
                    "column `{}`: rzctl has no Rust type for `{}`; expected an integer, decimal, float, char/text, binary/blob, date/time, json or enum type",
                    def.name.value, def.data_type
                ),
            ));
            continue;
        };
        let mut column = Column {
            name: def.name.value.clone(),
            ty,
            nullable: true,
            default: None,
            auto_increment: false,
            on_update_now: false,
            comment: None,
        };
        for option in &def.options {
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(expr) => column.default = Some(expr.to_string()),
                ColumnOption::Comment(text) => column.comment = Some(text.clone()),
                ColumnOption::OnUpdate(expr) => column.on_update_now = is_now(expr),
                ColumnOption::PrimaryKey(_) => {
                    column.nullable = false;
                    table.primary_key = vec![column.name.clone()];
                }
                ColumnOption::Unique(_) => table.unique_keys.push(Index {
                    name: column.name.clone(),
                    columns: vec![column.name.clone()],
                }),
                ColumnOption::DialectSpecific(tokens)
                    if tokens.iter().any(
                        |t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTO_INCREMENT")),
                    ) =>
                {
                    column.auto_increment = true;
                }
                _ => {}
            }
        }
        if table.column(&column.name).is_some() {
            diags.push(error_at(
                file,
                def.name.span.start,
                format!("column `{}` is declared twice", column.name),
            ));
            continue;
        }
        table.columns.push(column);
    }
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                if let Some(columns) = index_columns(file, &table, &pk.columns, diags) {
                    for name in &columns {
                        if let Some(c) = table.columns.iter_mut().find(|c| &c.name == name) {
                            c.nullable = false;
                        }
                    }
                    table.primary_key = columns;
                }
            }
            TableConstraint::Unique(unique) => {
                if let Some(columns) = index_columns(file, &table, &unique.columns, diags) {
                    let name = unique
                        .index_name
                        .as_ref()
                        .or(unique.name.as_ref())
                        .map(|i| i.value.clone())
                        .unwrap_or_else(|| columns.join("_"));
                    table.unique_keys.push(Index { name, columns });
                }
            }
            TableConstraint::Index(index) => {
                if let Some(columns) = index_columns(file, &table, &index.columns, diags) {
                    let name = index
                        .name
                        .as_ref()
                        .map(|i| i.value.clone())
                        .unwrap_or_else(|| columns.join("_"));
                    table.indexes.push(Index { name, columns });
                }
            }
            _ => {}
        }
    }
    if table.primary_key.is_empty() && diags.len() == before {
        diags.push(error_at(
            file,
            start_of(&create.name.0.last().and_then(|p| p.as_ident()).cloned()),
            format!("table `{name}` has no primary key; a model finds and updates rows by it"),
        ));
    }
    (diags.len() == before).then_some(table)
}

/// The columns an index names, each checked to exist in `table`.
fn index_columns(
    file: &Arc<SourceFile>,
    table: &Table,
    columns: &[IndexColumn],
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut ok = true;
    for column in columns {
        let ident = match &column.column.expr {
            Expr::Identifier(ident) => ident.clone(),
            Expr::CompoundIdentifier(parts) => match parts.last() {
                Some(ident) => ident.clone(),
                None => continue,
            },
            // `KEY (name(10))`: a prefix index parses as a call on the column.
            Expr::Function(function) => match function.name.0.last().and_then(|p| p.as_ident()) {
                Some(ident) => ident.clone(),
                None => continue,
            },
            other => {
                use sqlparser::ast::Spanned;
                diags.push(error_at(
                    file,
                    other.span().start,
                    format!("index over the expression `{other}` is not supported; index columns by name"),
                ));
                ok = false;
                continue;
            }
        };
        match table.column(&ident.value) {
            Some(c) => out.push(c.name.clone()),
            None => {
                diags.push(error_at(
                    file,
                    ident.span.start,
                    format!(
                        "table `{}` has no column `{}` for this key",
                        table.name, ident.value
                    ),
                ));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn table_comment(create: &CreateTable) -> Option<String> {
    if let Some(comment) = &create.comment {
        return Some(comment_text(comment));
    }
    let options = match &create.table_options {
        sqlparser::ast::CreateTableOptions::Plain(o)
        | sqlparser::ast::CreateTableOptions::With(o)
        | sqlparser::ast::CreateTableOptions::Options(o)
        | sqlparser::ast::CreateTableOptions::TableProperties(o) => o.as_slice(),
        sqlparser::ast::CreateTableOptions::None => &[],
    };
    options.iter().find_map(|o| match o {
        SqlOption::Comment(comment) => Some(comment_text(comment)),
        _ => None,
    })
}

fn comment_text(comment: &sqlparser::ast::CommentDef) -> String {
    match comment {
        sqlparser::ast::CommentDef::WithEq(text) | sqlparser::ast::CommentDef::WithoutEq(text) => {
            text.clone()
        }
    }
}

fn is_now(expr: &Expr) -> bool {
    let text = expr.to_string().to_ascii_uppercase();
    text.starts_with("CURRENT_TIMESTAMP")
        || text.starts_with("NOW(")
        || text.starts_with("LOCALTIMESTAMP")
}

fn sql_type(ty: &DataType) -> Option<SqlType> {
    use DataType as D;
    let int = |bytes: u8, unsigned: bool| Some(SqlType::Int { bytes, unsigned });
    match ty {
        D::Bool | D::Boolean | D::TinyInt(Some(1)) => Some(SqlType::Bool),
        D::TinyInt(_) => int(1, false),
        D::TinyIntUnsigned(_) | D::UTinyInt => int(1, true),
        D::SmallInt(_) | D::Int2(_) => int(2, false),
        D::SmallIntUnsigned(_) | D::Int2Unsigned(_) | D::USmallInt => int(2, true),
        D::MediumInt(_) => int(3, false),
        D::MediumIntUnsigned(_) => int(3, true),
        D::Int(_) | D::Integer(_) | D::Int4(_) => int(4, false),
        D::IntUnsigned(_) | D::IntegerUnsigned(_) | D::Int4Unsigned(_) => int(4, true),
        D::BigInt(_) | D::Int8(_) => int(8, false),
        D::BigIntUnsigned(_) | D::Int8Unsigned(_) | D::UBigInt => int(8, true),
        D::Decimal(info)
        | D::DecimalUnsigned(info)
        | D::Numeric(info)
        | D::Dec(info)
        | D::DecUnsigned(info) => {
            let (precision, scale) = match info {
                sqlparser::ast::ExactNumberInfo::None => (None, None),
                sqlparser::ast::ExactNumberInfo::Precision(p) => (Some(*p), None),
                sqlparser::ast::ExactNumberInfo::PrecisionAndScale(p, s) => (Some(*p), Some(*s)),
            };
            Some(SqlType::Decimal { precision, scale })
        }
        D::Float(_) | D::FloatUnsigned(_) | D::Float4 | D::Real | D::RealUnsigned => {
            Some(SqlType::Float)
        }
        D::Double(_)
        | D::DoubleUnsigned(_)
        | D::DoublePrecision
        | D::DoublePrecisionUnsigned
        | D::Float8 => Some(SqlType::Double),
        D::Char(len)
        | D::Character(len)
        | D::Varchar(len)
        | D::Nvarchar(len)
        | D::CharVarying(len)
        | D::CharacterVarying(len) => Some(SqlType::Text {
            max: len.as_ref().and_then(|l| match l {
                sqlparser::ast::CharacterLength::IntegerLength { length, .. } => Some(*length),
                sqlparser::ast::CharacterLength::Max => None,
            }),
        }),
        D::Text | D::TinyText | D::MediumText | D::LongText => Some(SqlType::Text { max: None }),
        D::Enum(members, _) => Some(SqlType::Enum {
            values: members
                .iter()
                .map(|m| match m {
                    sqlparser::ast::EnumMember::Name(name)
                    | sqlparser::ast::EnumMember::NamedValue(name, _) => name.clone(),
                })
                .collect(),
        }),
        D::Set(values) => Some(SqlType::Set {
            values: values.clone(),
        }),
        D::Binary(_)
        | D::Varbinary(_)
        | D::Blob(_)
        | D::TinyBlob
        | D::MediumBlob
        | D::LongBlob
        | D::Bit(_) => Some(SqlType::Bytes),
        D::Date => Some(SqlType::Date),
        D::Datetime(_) => Some(SqlType::DateTime),
        D::Timestamp(..) => Some(SqlType::Timestamp),
        D::Time(..) => Some(SqlType::Time),
        D::JSON => Some(SqlType::Json),
        D::Custom(name, _) if last_name(name).eq_ignore_ascii_case("year") => Some(SqlType::Year),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Vec<Table>, Diagnostics) {
        parse(&SourceFile::new("t.sql", text))
    }

    #[test]
    fn a_typical_table() {
        let (tables, diags) = parse_text(include_str!("../../tests/data/model/user.sql"));
        assert!(diags.is_empty(), "{diags}");
        let user = &tables[0];
        assert_eq!(user.name, "user");
        assert_eq!(user.comment.as_deref(), Some("users of the community"));
        assert_eq!(user.primary_key, vec!["id"]);
        assert_eq!(user.unique_keys[0].columns, vec!["mobile"]);
        let id = user.column("id").unwrap();
        assert!(id.auto_increment && !id.nullable);
        assert_eq!(
            id.ty,
            SqlType::Int {
                bytes: 8,
                unsigned: true
            }
        );
        assert_eq!(user.column("vip").unwrap().ty, SqlType::Bool);
        assert!(user.column("update_time").unwrap().on_update_now);
        assert!(user.column("avatar").unwrap().nullable);
    }
}
