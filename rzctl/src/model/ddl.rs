//! MySQL DDL to [`Table`]s. sqlparser reads the statements; this module keeps what a model
//! needs, remembers each statement as written (the migrations run that text, not a
//! re-rendering), and reports what it cannot use with the file, line and column.
//!
//! Statements apply in order, across files, as MySQL would run them: `ALTER TABLE`,
//! `CREATE INDEX`, `DROP INDEX` and `DROP TABLE` change what an earlier `CREATE TABLE` made.
//! The same reader follows the migrations written before ([`Mode::History`]), so that the
//! next migration is the difference between what they produce and what the DDL says.

use super::schema::{Column, Generated, Index, SqlType, Table};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable, DataType,
    ExactNumberInfo, Expr, GeneratedExpressionMode, Ident, IndexColumn, IndexOption, IndexType,
    MySQLColumnPosition, ObjectName, ObjectType, SqlOption, Statement, TableConstraint,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

/// What the statements read are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The user's DDL: every statement must be one rzctl can use.
    Source,
    /// Migrations written before: statements that change no table (data, grants) are
    /// skipped, and a table the reader cannot follow is set aside with the reason, which is
    /// an error only if the DDL still has that table.
    History,
}

/// The tables as the statements read so far leave them.
#[derive(Debug)]
pub struct Schema {
    mode: Mode,
    tables: Vec<Table>,
    /// Lower-cased names of tables whose statements had errors, with the first of them:
    /// later statements on such a table are skipped instead of reported again.
    broken: BTreeMap<String, String>,
    /// Where each table's `CREATE TABLE` names it, for errors found once every file is read.
    origins: BTreeMap<String, (Arc<SourceFile>, Location)>,
    /// History: tables a migration rzctl did not write created (never dropped for the user).
    foreign: BTreeSet<String>,
    /// History: statements that could not be read, as messages.
    notes: Vec<String>,
    /// Whether any `CREATE TABLE` was read at all.
    saw_create: bool,
    /// Source: the file that first created each table, even one dropped since; two files
    /// that both define a table are a mistake, whatever `DROP TABLE IF EXISTS` precedes it.
    created_in: BTreeMap<String, String>,
}

/// The schema earlier migrations produce, for working out the next one.
#[derive(Debug, Default)]
pub struct History {
    pub tables: Vec<Table>,
    /// Tables the reader could not follow, by lower-cased name, with the reason.
    pub broken: BTreeMap<String, String>,
    /// Lower-cased names of tables that migrations of the user's own created.
    pub foreign: BTreeSet<String>,
    pub notes: Vec<String>,
}

/// The tables of one DDL file, and every problem found.
pub fn parse(file: &Arc<SourceFile>) -> (Vec<Table>, Diagnostics) {
    let mut schema = Schema::new(Mode::Source);
    let mut diags = Diagnostics::new();
    schema.read(file, &mut diags);
    let tables = schema.finish(&mut diags);
    (tables, diags)
}

/// Words MySQL reads as synonyms of types sqlparser knows (it fails on `int1 unsigned` and
/// `national char`). The parser sees the standard word; the migration keeps what was written.
fn synonym(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_uppercase().as_str() {
        "INT1" => "TINYINT",
        "INT2" => "SMALLINT",
        "INT3" | "MIDDLEINT" => "MEDIUMINT",
        "INT4" => "INT",
        "INT8" => "BIGINT",
        "NCHAR" => "CHAR",
        "NVARCHAR" => "VARCHAR",
        "FIXED" => "DECIMAL",
        _ => return None,
    })
}

/// Words after which a name follows, not a type: `ADD COLUMN fixed`, `KEY nchar (...)`.
const BEFORE_A_NAME: &[Keyword] = &[
    Keyword::ADD,
    Keyword::AFTER,
    Keyword::AS,
    Keyword::CHANGE,
    Keyword::COLUMN,
    Keyword::CONSTRAINT,
    Keyword::EXISTS,
    Keyword::FULLTEXT,
    Keyword::INDEX,
    Keyword::KEY,
    Keyword::MODIFY,
    Keyword::ON,
    Keyword::REFERENCES,
    Keyword::RENAME,
    Keyword::SPATIAL,
    Keyword::TABLE,
    Keyword::TO,
    Keyword::UNIQUE,
];

/// The tokens with type synonyms replaced where a type is expected (after a column's name),
/// and `NATIONAL` before a character type dropped; spans stay those of the text as written.
fn rewrite_synonyms(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut previous_is_word = false;
    for mut token in tokens {
        if matches!(token.token, Token::Whitespace(_)) {
            out.push(token);
            continue;
        }
        let this_is_word = match &token.token {
            Token::Word(w) => w.quote_style.is_some() || !BEFORE_A_NAME.contains(&w.keyword),
            _ => false,
        };
        if let Token::Word(word) = &token.token
            && word.quote_style.is_none()
            && previous_is_word
        {
            if word.value.eq_ignore_ascii_case("NATIONAL") {
                token.token = Token::Whitespace(Whitespace::Space);
                out.push(token);
                continue;
            }
            if let Some(standard) = synonym(&word.value) {
                token.token = Token::make_word(standard, None);
            }
        }
        previous_is_word = this_is_word;
        out.push(token);
    }
    out
}

/// One statement: its tokens (first and last significant) and what sqlparser made of them.
struct Stmt<'a> {
    file: &'a Arc<SourceFile>,
    tokens: &'a [TokenWithSpan],
}

impl Stmt<'_> {
    fn offset(&self, at: Location) -> usize {
        self.file.offset(at.line as usize, at.column as usize)
    }

    fn start(&self) -> Location {
        self.tokens
            .first()
            .map_or(Location { line: 0, column: 0 }, |t| t.span.start)
    }

    /// The source text of tokens `range` of the statement.
    fn text_of(&self, range: Range<usize>) -> String {
        let tokens = &self.tokens[range];
        match (tokens.first(), tokens.last()) {
            (Some(first), Some(last)) => self
                .file
                .text()
                .get(self.offset(first.span.start)..self.offset(last.span.end))
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        }
    }

    /// The statement as written, with the schema qualifiers of `names` cut out (`shop.user`
    /// becomes `user`): the migrations run in the database they are given.
    fn text_without_qualifiers(&self, names: &[&ObjectName]) -> String {
        let mut cuts: Vec<Range<usize>> = names
            .iter()
            .filter(|n| n.0.len() > 1)
            .filter_map(|n| {
                let first = n.0.first()?.as_ident()?;
                let last = n.0.last()?.as_ident()?;
                Some(self.offset(first.span.start)..self.offset(last.span.start))
            })
            .collect();
        cuts.sort_by_key(|c| c.start);
        let start = self.tokens.first().map_or(0, |t| self.offset(t.span.start));
        let end = self.tokens.last().map_or(0, |t| self.offset(t.span.end));
        let text = self.file.text();
        let mut out = String::new();
        let mut at = start;
        for cut in cuts {
            if cut.start >= at && cut.end <= end {
                out.push_str(text.get(at..cut.start).unwrap_or_default());
                at = cut.end;
            }
        }
        out.push_str(text.get(at..end).unwrap_or_default());
        out
    }

    /// The index of the token that starts at `at`.
    fn token_at(&self, at: Location) -> Option<usize> {
        self.tokens.iter().position(|t| t.span.start == at)
    }

    /// Comma-separated items at depth 0 of tokens `range`, each trimmed of whitespace.
    fn items(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut items = Vec::new();
        let mut depth = 0usize;
        let mut start = range.start;
        for i in range.clone() {
            match self.tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Comma if depth == 0 => {
                    items.push(self.trim(start..i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(self.trim(start..range.end));
        items.retain(|r| !r.is_empty());
        items
    }

    /// The items inside the first parenthesis at depth 0 (a `CREATE TABLE`'s body).
    fn parenthesized_items(&self) -> Option<Vec<Range<usize>>> {
        let open = self.tokens.iter().position(|t| t.token == Token::LParen)?;
        let mut depth = 0usize;
        for i in open..self.tokens.len() {
            match self.tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(self.items(open + 1..i));
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn trim(&self, mut range: Range<usize>) -> Range<usize> {
        let ws = |t: &TokenWithSpan| matches!(t.token, Token::Whitespace(_));
        while range.start < range.end && ws(&self.tokens[range.start]) {
            range.start += 1;
        }
        while range.end > range.start && ws(&self.tokens[range.end - 1]) {
            range.end -= 1;
        }
        range
    }

    /// The significant tokens of `range`, as indexes.
    fn significant(&self, range: Range<usize>) -> Vec<usize> {
        range
            .filter(|&i| !matches!(self.tokens[i].token, Token::Whitespace(_)))
            .collect()
    }

    fn error(&self, at: Location, message: impl Into<String>) -> Diagnostic {
        error_at(self.file, at, message.into())
    }
}

fn is_keyword(token: &TokenWithSpan, keyword: Keyword) -> bool {
    matches!(&token.token, Token::Word(w) if w.quote_style.is_none() && w.keyword == keyword)
}

impl Schema {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            tables: Vec::new(),
            broken: BTreeMap::new(),
            origins: BTreeMap::new(),
            foreign: BTreeSet::new(),
            notes: Vec::new(),
            saw_create: false,
            created_in: BTreeMap::new(),
        }
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Whether any `CREATE TABLE` was read, even one that had errors.
    pub fn saw_create(&self) -> bool {
        self.saw_create
    }

    /// Applies every statement of `file`, in order. `generated` (history only) says whether
    /// rzctl wrote the file; tables other files create are the user's and never dropped.
    pub fn read_migration(&mut self, file: &Arc<SourceFile>, generated: bool) {
        let before: BTreeSet<String> = self.names();
        let mut ignored = Diagnostics::new();
        self.read(file, &mut ignored);
        if !generated {
            for name in self.names().difference(&before) {
                self.foreign.insert(name.clone());
            }
        }
    }

    fn names(&self) -> BTreeSet<String> {
        self.tables
            .iter()
            .map(|t| t.name.to_lowercase())
            .chain(self.broken.keys().cloned())
            .collect()
    }

    /// Applies every statement of `file`, in order.
    pub fn read(&mut self, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
        // Editors on Windows start a UTF-8 file with a byte-order mark, which is no SQL.
        let file = match file.text().strip_prefix('\u{feff}') {
            Some(rest) => SourceFile::new(file.name(), rest),
            None => Arc::clone(file),
        };
        let tokens = match Tokenizer::new(&MySqlDialect {}, file.text()).tokenize_with_location() {
            Ok(tokens) => rewrite_synonyms(tokens),
            Err(err) => {
                let d = error_at(&file, err.location, format!("invalid SQL: {}", err.message));
                self.report(diags, None, d);
                return;
            }
        };
        // Statements end at `;`. Splitting first (rather than letting sqlparser run through
        // the file) gives every statement its own position and text, and lets one bad
        // statement be reported without hiding the ones after it.
        for chunk in tokens.split(|t| t.token == Token::SemiColon) {
            let start = chunk
                .iter()
                .position(|t| !matches!(t.token, Token::Whitespace(_)));
            let end = chunk
                .iter()
                .rposition(|t| !matches!(t.token, Token::Whitespace(_)));
            let (Some(start), Some(end)) = (start, end) else {
                continue;
            };
            let stmt = Stmt {
                file: &file,
                tokens: &chunk[start..=end],
            };
            let mut parser =
                Parser::new(&MySqlDialect {}).with_tokens_with_locations(stmt.tokens.to_vec());
            let parsed = parser.parse_statement().and_then(|statement| {
                let next = parser.peek_token();
                if next.token == Token::EOF {
                    Ok(statement)
                } else {
                    Err(sqlparser::parser::ParserError::ParserError(format!(
                        "Expected: end of statement, found: {} at Line: {}, Column: {}",
                        next.token, next.span.start.line, next.span.start.column
                    )))
                }
            });
            match parsed {
                Ok(statement) => self.apply(&stmt, &statement, diags),
                Err(err) => {
                    let d = parse_error(&file, stmt.start(), &err.to_string());
                    let table = created_table_name(&stmt);
                    self.report(diags, table.as_deref(), d);
                }
            }
        }
    }

    /// Records a problem: an error for the user's DDL; for migrations, the reason a table
    /// cannot be followed (or a note when no table is named).
    fn report(&mut self, diags: &mut Diagnostics, table: Option<&str>, d: Diagnostic) {
        if let Some(table) = table {
            let reason = match d.position() {
                Some((file, line, column)) => format!("{file}:{line}:{column}: {}", d.message),
                None => d.message.clone(),
            };
            self.broken.entry(table.to_lowercase()).or_insert(reason);
        }
        match self.mode {
            Mode::Source => diags.push(d),
            Mode::History if table.is_none() => {
                let place = d
                    .position()
                    .map(|(file, line, column)| format!("{file}:{line}:{column}: "))
                    .unwrap_or_default();
                self.notes.push(format!(
                    "{place}{}; rzctl takes it to change no table it models",
                    d.message
                ));
            }
            Mode::History => {}
        }
    }

    fn is_broken(&self, name: &str) -> bool {
        self.broken.contains_key(&name.to_lowercase())
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.tables
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
    }

    fn apply(&mut self, stmt: &Stmt, statement: &Statement, diags: &mut Diagnostics) {
        match statement {
            Statement::CreateTable(create) => self.create_table(stmt, create, diags),
            Statement::CreateIndex(index) => self.create_index(stmt, index, diags),
            Statement::AlterTable(alter) => {
                self.alter_table(stmt, &alter.name, alter.if_exists, &alter.operations, diags)
            }
            Statement::Drop {
                object_type: ObjectType::Table,
                if_exists,
                names,
                ..
            } => {
                for name in names {
                    let table = last_name(name);
                    let key = table.to_lowercase();
                    if let Some(i) = self.position(&table) {
                        self.tables.remove(i);
                    } else if self.broken.remove(&key).is_none() && !if_exists {
                        let d = stmt.error(
                            start_of_name(name).unwrap_or(stmt.start()),
                            format!("`DROP TABLE {table}`: no statement before creates `{table}`; write `DROP TABLE IF EXISTS` to drop a table that may not be there"),
                        );
                        self.report(diags, None, d);
                    }
                    self.origins.remove(&key);
                    self.foreign.remove(&key);
                }
            }
            Statement::Drop {
                object_type: ObjectType::Index,
                if_exists,
                names,
                table: Some(table_name),
                ..
            } => {
                for name in names {
                    let ident = name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .cloned()
                        .unwrap_or_else(|| Ident::new(last_name(name)));
                    let op = AlterTableOperation::DropIndex { name: ident };
                    if *if_exists
                        && self.position(&last_name(table_name)).is_some_and(|i| {
                            find_index(&self.tables[i], &last_name(name)).is_none()
                        })
                    {
                        continue;
                    }
                    self.alter_table(stmt, table_name, false, std::slice::from_ref(&op), diags);
                }
            }
            Statement::RenameTable(renames) if self.mode == Mode::History => {
                for rename in renames {
                    self.rename_table(&last_name(&rename.old_name), &last_name(&rename.new_name));
                }
            }
            Statement::RenameTable(renames) => {
                let first = renames
                    .first()
                    .map(|r| last_name(&r.old_name))
                    .unwrap_or_default();
                let d = stmt.error(stmt.start(), format!("`RENAME TABLE` in the DDL: rzctl cannot tell a rename from a drop and a create; name the table `{first}` by its new name in the DDL and write the rename as a migration of your own"))
                    .with_note(RENAME_HINT);
                self.report(diags, None, d);
            }
            // Statements that set up a session or database around the tables: skipped.
            Statement::CreateDatabase { .. }
            | Statement::CreateSchema { .. }
            | Statement::Use(_)
            | Statement::Set(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. } => {}
            // Data, grants and other objects change no table a model reads.
            _ if self.mode == Mode::History => {}
            _ => {
                let d = stmt.error(
                    stmt.start(),
                    format!(
                        "rzctl cannot use this statement ({}); expected CREATE TABLE, CREATE INDEX, ALTER TABLE, DROP INDEX or DROP TABLE",
                        first_words(&stmt.text_of(0..stmt.tokens.len()))
                    ),
                );
                self.report(diags, None, d);
            }
        }
    }

    fn rename_table(&mut self, old: &str, new: &str) {
        let (old_key, new_key) = (old.to_lowercase(), new.to_lowercase());
        if let Some(i) = self.position(old) {
            self.tables[i].name = new.to_owned();
        }
        if let Some(reason) = self.broken.remove(&old_key) {
            self.broken.insert(new_key.clone(), reason);
        }
        if let Some(origin) = self.origins.remove(&old_key) {
            self.origins.insert(new_key.clone(), origin);
        }
        if self.foreign.remove(&old_key) {
            self.foreign.insert(new_key);
        }
    }

    fn create_table(&mut self, stmt: &Stmt, create: &CreateTable, diags: &mut Diagnostics) {
        self.saw_create = true;
        let name = last_name(&create.name);
        let at = start_of_name(&create.name).unwrap_or(stmt.start());
        let unsupported = if create.like.is_some() {
            Some(format!(
                "`CREATE TABLE {name} LIKE ...` copies a table rzctl cannot see; write out the columns of `{name}`"
            ))
        } else if create.query.is_some() {
            Some(format!(
                "`CREATE TABLE {name} ... AS SELECT` takes its columns from a query; write out the columns of `{name}`"
            ))
        } else if create.temporary {
            Some(format!(
                "`{name}` is a TEMPORARY table, which lasts one session; models need a table that stays"
            ))
        } else if create.columns.is_empty() {
            Some(format!("table `{name}` has no columns"))
        } else {
            None
        };
        if let Some(message) = unsupported {
            let d = stmt.error(at, message);
            self.report(diags, Some(&name), d);
            return;
        }
        if let Some(i) = self.position(&name) {
            if create.if_not_exists {
                // MySQL leaves the table that is there alone.
                return;
            }
            let first = &self.tables[i].source;
            let d = if first == stmt.file.name() {
                stmt.error(at, format!("table `{name}` is created twice"))
            } else {
                stmt.error(
                    at,
                    format!(
                        "table `{name}` is created in both {first} and {}",
                        stmt.file.name()
                    ),
                )
            };
            self.report(diags, None, d);
            return;
        }
        let key = name.to_lowercase();
        if self.mode == Mode::Source {
            let first = self
                .created_in
                .entry(key.clone())
                .or_insert_with(|| stmt.file.name().to_owned());
            if first != stmt.file.name() {
                let d = stmt.error(
                    at,
                    format!(
                        "table `{name}` is created in both {first} and {}",
                        stmt.file.name()
                    ),
                );
                self.report(diags, None, d);
                return;
            }
        }
        if self.broken.contains_key(&key) {
            return;
        }
        match lower_table(stmt, create) {
            Ok(table) => {
                self.origins.insert(key, (Arc::clone(stmt.file), at));
                self.tables.push(table);
            }
            Err(problems) => {
                for d in problems {
                    self.report(diags, Some(&name), d);
                }
            }
        }
    }

    fn create_index(&mut self, stmt: &Stmt, index: &CreateIndex, diags: &mut Diagnostics) {
        let table_name = last_name(&index.table_name);
        if self.is_broken(&table_name) {
            return;
        }
        let Some(i) = self.position(&table_name) else {
            let d = stmt.error(
                start_of_name(&index.table_name).unwrap_or(stmt.start()),
                format!(
                    "`CREATE INDEX` on table `{table_name}`, which no statement before creates"
                ),
            );
            self.report(diags, None, d);
            return;
        };
        let mut table = self.tables[i].clone();
        let name = index.name.as_ref().map(last_name);
        if index.if_not_exists
            && let Some(name) = &name
            && find_index(&table, name).is_some()
        {
            return;
        }
        // What follows the table's name, `(a, b) USING BTREE`, is the key as ALTER TABLE
        // ADD takes it after its kind and name.
        let rest = index
            .table_name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .and_then(|ident| stmt.token_at(ident.span.start))
            .map(|i| stmt.text_of(stmt.trim(i + 1..stmt.tokens.len())));
        let kind = if index.unique {
            KeyKind::Unique
        } else {
            KeyKind::Plain
        };
        let using = index.using.as_ref().or_else(|| {
            index.index_options.iter().find_map(|o| match o {
                IndexOption::Using(t) => Some(t),
                IndexOption::Comment(_) => None,
            })
        });
        let added = add_key(
            stmt,
            &mut table,
            kind,
            name,
            &index.columns,
            using,
            |name| {
                rest.clone()
                    .map(|rest| format!("{}INDEX {} {rest}", kind.prefix(), quote(name)))
            },
        );
        match added {
            Ok(()) => {
                table
                    .statements
                    .push(stmt.text_without_qualifiers(&[&index.table_name]));
                self.tables[i] = table;
            }
            Err(d) => self.report(diags, Some(&table_name), d),
        }
    }

    fn alter_table(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        if_exists: bool,
        operations: &[AlterTableOperation],
        diags: &mut Diagnostics,
    ) {
        let table_name = last_name(name);
        if self.is_broken(&table_name) {
            return;
        }
        let Some(i) = self.position(&table_name) else {
            if !if_exists {
                let d = stmt.error(
                    start_of_name(name).unwrap_or(stmt.start()),
                    format!(
                        "`{}` on table `{table_name}`, which no statement before creates",
                        first_words(&stmt.text_of(0..stmt.tokens.len()))
                    ),
                );
                self.report(diags, None, d);
            }
            return;
        };
        // The text of each operation, in order, after the table's name.
        let after_name = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .and_then(|ident| stmt.token_at(ident.span.start))
            .map_or(stmt.tokens.len(), |i| i + 1);
        let mut op_ranges = stmt.items(after_name..stmt.tokens.len());
        if op_ranges.len() != operations.len() {
            op_ranges.clear();
        }
        let mut table = self.tables[i].clone();
        let mut renamed_to = None;
        for (n, op) in operations.iter().enumerate() {
            let range = op_ranges.get(n).cloned();
            let applied = match op {
                AlterTableOperation::RenameTable { table_name } if self.mode == Mode::History => {
                    let new = match table_name {
                        sqlparser::ast::RenameTableNameKind::As(n)
                        | sqlparser::ast::RenameTableNameKind::To(n) => last_name(n),
                    };
                    renamed_to = Some(new);
                    Ok(())
                }
                AlterTableOperation::RenameTable { .. } => Err(stmt
                    .error(stmt.start(), format!("renaming table `{table_name}` in the DDL: rzctl cannot tell a rename from a drop and a create; name the table by its new name in the DDL and write the rename as a migration of your own"))
                    .with_note(RENAME_HINT)),
                op => alter(stmt, &mut table, op, range),
            };
            if let Err(d) = applied {
                self.report(diags, Some(&table_name), d);
                return;
            }
        }
        table.statements.push(stmt.text_without_qualifiers(&[name]));
        self.tables[i] = table;
        if let Some(new) = renamed_to {
            self.rename_table(&table_name, &new);
        }
    }

    /// The tables, once every statement is read: a table needs a primary key, which a later
    /// `ALTER TABLE` may have added, so that is checked here.
    pub fn finish(self, diags: &mut Diagnostics) -> Vec<Table> {
        for table in &self.tables {
            if table.primary_key.is_empty() {
                let message = format!(
                    "table `{}` has no primary key; a model finds and updates rows by it",
                    table.name
                );
                diags.push(match self.origins.get(&table.name.to_lowercase()) {
                    Some((file, at)) => error_at(file, *at, message),
                    None => Diagnostic::bare(format!("{}: {message}", table.source)),
                });
            }
        }
        self.tables
    }

    pub fn into_history(self) -> History {
        History {
            tables: self.tables,
            broken: self.broken,
            foreign: self.foreign,
            notes: self.notes,
        }
    }
}

const RENAME_HINT: &str = "a rename keeps the rows: write `ALTER TABLE old RENAME TO new` (or `RENAME COLUMN a TO b`) as the next migration in both migrations/mysql and migrations/sqlite, then run rzctl again; it reads your migration and writes none for the rename";

/// The table a `CREATE TABLE` that failed to parse names, so that later statements on it
/// are not reported as well.
fn created_table_name(stmt: &Stmt) -> Option<String> {
    let words: Vec<&TokenWithSpan> = stmt
        .significant(0..stmt.tokens.len())
        .into_iter()
        .map(|i| &stmt.tokens[i])
        .take(12)
        .collect();
    let mut at = 0;
    let expect = |keyword: Keyword, at: &mut usize| {
        let found = words.get(*at).is_some_and(|t| is_keyword(t, keyword));
        if found {
            *at += 1;
        }
        found
    };
    if !expect(Keyword::CREATE, &mut at) {
        return None;
    }
    expect(Keyword::TEMPORARY, &mut at);
    if !expect(Keyword::TABLE, &mut at) {
        return None;
    }
    if expect(Keyword::IF, &mut at) {
        at += 2;
    }
    // The last part of a dotted name.
    let mut name = None;
    while let Some(Token::Word(word)) = words.get(at).map(|t| &t.token) {
        name = Some(word.value.clone());
        at += 1;
        if words.get(at).is_some_and(|t| t.token == Token::Period) {
            at += 1;
        } else {
            break;
        }
    }
    name
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// sqlparser's messages end in `at Line: L, Column: C`; without one, the statement's start.
fn parse_error(file: &Arc<SourceFile>, statement_start: Location, message: &str) -> Diagnostic {
    let position = message.rsplit_once("Line: ").and_then(|(_, rest)| {
        let (line, rest) = rest.split_once(',')?;
        let column = rest.trim().strip_prefix("Column: ")?;
        let column: String = column.chars().take_while(char::is_ascii_digit).collect();
        Some(Location {
            line: line.trim().parse().ok()?,
            column: column.parse().ok()?,
        })
    });
    let text = message
        .split(" at Line: ")
        .next()
        .unwrap_or(message)
        .trim_start_matches("sql parser error: ");
    error_at(
        file,
        position.unwrap_or(statement_start),
        format!("invalid SQL: {text}"),
    )
}

fn start_of_name(name: &ObjectName) -> Option<Location> {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.span.start)
        .filter(|l| l.line > 0)
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

fn last_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_default()
}

/// `name` back-quoted, as MySQL and SQLite both read it.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Unique,
    Plain,
    FullText,
    Spatial,
}

impl KeyKind {
    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Unique => "UNIQUE ",
            KeyKind::Plain => "",
            KeyKind::FullText => "FULLTEXT ",
            KeyKind::Spatial => "SPATIAL ",
        }
    }
}

fn find_index<'t>(table: &'t Table, name: &str) -> Option<&'t Index> {
    table
        .all_indexes()
        .find(|i| i.name.eq_ignore_ascii_case(name))
}

/// MySQL's name for a key written without one: its first column's, then `_2`, `_3`, ...
fn default_key_name(table: &Table, first_column: &str) -> String {
    let taken = |n: &str| find_index(table, n).is_some() || n.eq_ignore_ascii_case("PRIMARY");
    if !taken(first_column) {
        return first_column.to_owned();
    }
    (2..)
        .map(|n| format!("{first_column}_{n}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// One column of a key in one spelling: its name (lower-cased), prefix length and order.
fn key_column_canonical(column: &IndexColumn) -> String {
    let expr = match &column.column.expr {
        Expr::Identifier(ident) => ident.value.to_lowercase(),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .map(|i| i.value.to_lowercase())
            .unwrap_or_default(),
        Expr::Function(function) => function.to_string().to_lowercase().replace('`', ""),
        other => other.to_string(),
    };
    match &column.column.options.sort {
        Some(sqlparser::ast::OrderBySort::Desc) => format!("{expr} desc"),
        _ => expr,
    }
}

/// Adds a key over `columns` to `table`. `definition` gives the key's text as written, from
/// its (possibly derived) name, when there is one.
fn add_key(
    stmt: &Stmt,
    table: &mut Table,
    kind: KeyKind,
    name: Option<String>,
    columns: &[IndexColumn],
    using: Option<&IndexType>,
    definition: impl Fn(&str) -> Option<String>,
) -> Result<(), Diagnostic> {
    let names = key_columns(stmt, table, columns)?;
    let Some(first) = names.first() else {
        return Err(stmt.error(stmt.start(), "a key needs at least one column"));
    };
    let name = name.unwrap_or_else(|| default_key_name(table, first));
    if find_index(table, &name).is_some() {
        return Err(stmt.error(
            columns
                .first()
                .and_then(|c| expr_start(&c.column.expr))
                .unwrap_or(stmt.start()),
            format!("table `{}` has a key named `{name}` already", table.name),
        ));
    }
    let parts: Vec<String> = columns.iter().map(key_column_canonical).collect();
    let mut canonical = format!(
        "{}key {} ({})",
        kind.prefix().to_lowercase(),
        name.to_lowercase(),
        parts.join(", ")
    );
    if let Some(using) = using {
        canonical.push_str(&format!(" using {using}").to_lowercase());
    }
    let definition = definition(&name).unwrap_or_else(|| {
        let written: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        format!(
            "{}KEY {} ({})",
            kind.prefix(),
            quote(&name),
            written.join(", ")
        )
    });
    let index = Index {
        name,
        columns: names,
        definition,
        canonical,
    };
    match kind {
        KeyKind::Unique => table.unique_keys.push(index),
        _ => table.indexes.push(index),
    }
    Ok(())
}

fn expr_start(expr: &Expr) -> Option<Location> {
    use sqlparser::ast::Spanned;
    Some(expr.span().start).filter(|l| l.line > 0)
}

/// The columns a key names, each checked to exist in `table`.
fn key_columns(
    stmt: &Stmt,
    table: &Table,
    columns: &[IndexColumn],
) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
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
                return Err(stmt.error(
                    expr_start(other).unwrap_or(stmt.start()),
                    format!(
                        "index over the expression `{other}` is not supported; index columns by name"
                    ),
                ));
            }
        };
        match table.column(&ident.value) {
            Some(c) => out.push(c.name.clone()),
            None => {
                return Err(stmt.error(
                    ident.span.start,
                    format!(
                        "table `{}` has no column `{}` for this key",
                        table.name, ident.value
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn lower_table(stmt: &Stmt, create: &CreateTable) -> Result<Table, Vec<Diagnostic>> {
    let name = last_name(&create.name);
    let mut table = Table {
        name: name.clone(),
        comment: table_comment(create),
        columns: Vec::new(),
        primary_key: Vec::new(),
        unique_keys: Vec::new(),
        indexes: Vec::new(),
        statements: vec![stmt.text_without_qualifiers(&[&create.name])],
        source: stmt.file.name().to_owned(),
    };
    // The body's items as written: columns and keys, in the order sqlparser keeps them apart.
    let (column_texts, key_texts) = create_items(stmt, create).unwrap_or_default();
    let mut problems = Vec::new();
    // Columns already reported: keys over them are not reported again.
    let mut failed: Vec<String> = Vec::new();
    for (n, def) in create.columns.iter().enumerate() {
        match lower_column(stmt, def, column_texts.get(n).cloned()) {
            Ok((column, keys)) => {
                if table.column(&column.name).is_some() {
                    problems.push(stmt.error(
                        def.name.span.start,
                        format!("column `{}` is declared twice", column.name),
                    ));
                    continue;
                }
                let column_name = column.name.clone();
                table.columns.push(column);
                if let Err(d) = add_inline_keys(stmt, &mut table, &column_name, keys, def) {
                    problems.push(d);
                }
            }
            Err(d) => {
                failed.push(def.name.value.to_lowercase());
                problems.push(d);
            }
        }
    }
    for (n, constraint) in create.constraints.iter().enumerate() {
        if constraint_columns(constraint)
            .iter()
            .any(|c| failed.contains(&c.to_lowercase()))
        {
            continue;
        }
        let text = key_texts.get(n).map(|r| stmt.text_of(r.clone()));
        if let Err(d) = add_constraint(stmt, &mut table, constraint, text) {
            problems.push(d);
        }
    }
    if problems.is_empty() {
        Ok(table)
    } else {
        Err(problems)
    }
}

/// The names of the columns a key or constraint is over.
fn constraint_columns(constraint: &TableConstraint) -> Vec<String> {
    let columns: &[IndexColumn] = match constraint {
        TableConstraint::PrimaryKey(c) => &c.columns,
        TableConstraint::Unique(c) => &c.columns,
        TableConstraint::Index(c) => &c.columns,
        TableConstraint::FulltextOrSpatial(c) => &c.columns,
        _ => &[],
    };
    columns
        .iter()
        .filter_map(|c| match &c.column.expr {
            Expr::Identifier(ident) => Some(ident.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
            Expr::Function(f) => f
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone()),
            _ => None,
        })
        .collect()
}

/// Tokens of a statement, by index.
type TokenRange = Range<usize>;

/// The token ranges of a `CREATE TABLE`'s columns and of its keys, when the body's items
/// line up with what sqlparser read.
fn create_items(stmt: &Stmt, create: &CreateTable) -> Option<(Vec<TokenRange>, Vec<TokenRange>)> {
    const KEY_WORDS: [Keyword; 9] = [
        Keyword::PRIMARY,
        Keyword::KEY,
        Keyword::INDEX,
        Keyword::UNIQUE,
        Keyword::CONSTRAINT,
        Keyword::FOREIGN,
        Keyword::CHECK,
        Keyword::FULLTEXT,
        Keyword::SPATIAL,
    ];
    let (mut columns, mut keys) = (Vec::new(), Vec::new());
    for item in stmt.parenthesized_items()? {
        let first = &stmt.tokens[item.start];
        if KEY_WORDS.iter().any(|k| is_keyword(first, *k)) {
            keys.push(item);
        } else {
            columns.push(item);
        }
    }
    (columns.len() == create.columns.len() && keys.len() == create.constraints.len())
        .then_some((columns, keys))
}

/// Which keys a column definition declares inline.
#[derive(Debug, Default, Clone, Copy)]
struct InlineKeys {
    primary: bool,
    unique: bool,
}

fn add_inline_keys(
    stmt: &Stmt,
    table: &mut Table,
    column: &str,
    keys: InlineKeys,
    def: &ColumnDef,
) -> Result<(), Diagnostic> {
    if keys.primary {
        if !table.primary_key.is_empty() {
            return Err(stmt.error(
                def.name.span.start,
                format!("table `{}` has a primary key already", table.name),
            ));
        }
        table.primary_key = vec![column.to_owned()];
    }
    if keys.unique {
        let name = default_key_name(table, column);
        table.unique_keys.push(Index {
            canonical: format!(
                "unique key {} ({})",
                name.to_lowercase(),
                column.to_lowercase()
            ),
            definition: format!("UNIQUE KEY {} ({})", quote(&name), quote(column)),
            name,
            columns: vec![column.to_owned()],
        });
    }
    Ok(())
}

/// A column definition: the column, and the keys it declares inline. `text` is the token
/// range of the definition as written (its name first), when known.
fn lower_column(
    stmt: &Stmt,
    def: &ColumnDef,
    text: Option<Range<usize>>,
) -> Result<(Column, InlineKeys), Diagnostic> {
    let Some((ty, serial)) = sql_type(&def.data_type) else {
        return Err(stmt.error(
            def.name.span.start,
            format!(
                "column `{}`: rzctl has no Rust type for `{}`; expected an integer, bit, decimal, float, char/text, binary/blob, date/time, json, enum or set type",
                def.name.value, def.data_type
            ),
        ));
    };
    let mut column = Column {
        name: def.name.value.clone(),
        ty,
        nullable: !serial,
        default: None,
        auto_increment: serial,
        on_update_now: false,
        comment: None,
        generated: None,
        definition: String::new(),
        canonical: String::new(),
    };
    let mut keys = InlineKeys {
        primary: false,
        unique: serial,
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
                keys.primary = true;
            }
            ColumnOption::Unique(_) => keys.unique = true,
            ColumnOption::Generated {
                generation_expr: Some(expr),
                generation_expr_mode,
                ..
            } => {
                column.generated = Some(Generated {
                    expr: expr.to_string(),
                    stored: matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored)),
                });
            }
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
    if keys.primary {
        column.nullable = false;
    }
    column.canonical = column_canonical(def);
    column.definition = match text {
        Some(range) => definition_text(stmt, range),
        None => {
            let without_keys = ColumnDef {
                name: def.name.clone(),
                data_type: def.data_type.clone(),
                options: def
                    .options
                    .iter()
                    .filter(|o| {
                        !matches!(
                            o.option,
                            ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_)
                        )
                    })
                    .cloned()
                    .collect(),
            };
            let rendered = without_keys.to_string();
            let name = without_keys.name.to_string();
            rendered
                .strip_prefix(&name)
                .unwrap_or(&rendered)
                .trim()
                .to_owned()
        }
    };
    Ok((column, keys))
}

/// Type and options in sqlparser's spelling, inline keys left out.
fn column_canonical(def: &ColumnDef) -> String {
    let mut out = def.data_type.to_string();
    for option in &def.options {
        if matches!(
            option.option,
            ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_)
        ) {
            continue;
        }
        out.push(' ');
        out.push_str(&option.to_string());
    }
    out
}

/// A column definition's text after its name (tokens `range`, the name first), without the
/// inline `PRIMARY KEY`, `UNIQUE [KEY]` and `KEY` words: those are the table's keys here,
/// and repeating them in an `ALTER TABLE ... MODIFY` would add a second key.
fn definition_text(stmt: &Stmt, range: Range<usize>) -> String {
    let significant = stmt.significant(range);
    let mut removed = vec![false; significant.len()];
    let mut i = 1; // past the name
    while i < significant.len() {
        let token = &stmt.tokens[significant[i]];
        let next_is_key = significant
            .get(i + 1)
            .is_some_and(|&n| is_keyword(&stmt.tokens[n], Keyword::KEY));
        let width = if is_keyword(token, Keyword::PRIMARY) && next_is_key {
            2
        } else if is_keyword(token, Keyword::UNIQUE) {
            if next_is_key { 2 } else { 1 }
        } else if is_keyword(token, Keyword::KEY) {
            1
        } else {
            0
        };
        for r in removed.iter_mut().skip(i).take(width) {
            *r = true;
        }
        i += width.max(1);
    }
    // Runs of kept tokens keep their text as written (spacing, comments, quoting); a cut
    // becomes one space.
    let mut out = String::new();
    let mut run: Option<(usize, usize)> = None;
    for (n, &token) in significant.iter().enumerate().skip(1) {
        if removed[n] {
            if let Some((first, last)) = run.take() {
                push_run(&mut out, stmt, first, last);
            }
            continue;
        }
        run = Some(run.map_or((token, token), |(first, _)| (first, token)));
    }
    if let Some((first, last)) = run {
        push_run(&mut out, stmt, first, last);
    }
    out
}

fn push_run(out: &mut String, stmt: &Stmt, first: usize, last: usize) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(&stmt.text_of(first..last + 1));
}

/// Applies a table-level key or constraint; foreign keys and checks are the database's
/// business and left to the migration text.
fn add_constraint(
    stmt: &Stmt,
    table: &mut Table,
    constraint: &TableConstraint,
    text: Option<String>,
) -> Result<(), Diagnostic> {
    let using = |index_type: &Option<IndexType>, options: &[IndexOption]| {
        index_type.clone().or_else(|| {
            options.iter().find_map(|o| match o {
                IndexOption::Using(t) => Some(t.clone()),
                IndexOption::Comment(_) => None,
            })
        })
    };
    match constraint {
        TableConstraint::PrimaryKey(pk) => {
            let columns = key_columns(stmt, table, &pk.columns)?;
            if !table.primary_key.is_empty() {
                return Err(stmt.error(
                    pk.columns
                        .first()
                        .and_then(|c| expr_start(&c.column.expr))
                        .unwrap_or(stmt.start()),
                    format!("table `{}` has a primary key already", table.name),
                ));
            }
            for name in &columns {
                if let Some(c) = table.columns.iter_mut().find(|c| &c.name == name) {
                    c.nullable = false;
                }
            }
            table.primary_key = columns;
            Ok(())
        }
        TableConstraint::Unique(unique) => add_key(
            stmt,
            table,
            KeyKind::Unique,
            unique
                .index_name
                .as_ref()
                .or(unique.name.as_ref())
                .map(|i| i.value.clone()),
            &unique.columns,
            using(&unique.index_type, &unique.index_options).as_ref(),
            |_| text.clone(),
        ),
        TableConstraint::Index(index) => add_key(
            stmt,
            table,
            KeyKind::Plain,
            index.name.as_ref().map(|i| i.value.clone()),
            &index.columns,
            using(&index.index_type, &index.index_options).as_ref(),
            |_| text.clone(),
        ),
        TableConstraint::FulltextOrSpatial(index) => add_key(
            stmt,
            table,
            if index.fulltext {
                KeyKind::FullText
            } else {
                KeyKind::Spatial
            },
            index.opt_index_name.as_ref().map(|i| i.value.clone()),
            &index.columns,
            None,
            |_| text.clone(),
        ),
        // Foreign keys, checks and other dialects' constraints: not part of a model.
        _ => Ok(()),
    }
}

/// One `ALTER TABLE` operation on `table`; `range` is its token range when known.
fn alter(
    stmt: &Stmt,
    table: &mut Table,
    op: &AlterTableOperation,
    range: Option<Range<usize>>,
) -> Result<(), Diagnostic> {
    // The token range of a column definition inside the operation: from its name to the
    // end, without a trailing `FIRST` / `AFTER x`.
    let def_range = |name: &Ident, position: &Option<MySQLColumnPosition>| {
        let range = range.clone()?;
        let start = stmt.token_at(name.span.start)?;
        let significant = stmt.significant(start..range.end);
        let drop = match position {
            None => 0,
            Some(MySQLColumnPosition::First) => 1,
            Some(MySQLColumnPosition::After(_)) => 2,
        };
        let last = *significant.get(significant.len().checked_sub(drop + 1)?)?;
        Some(start..last + 1)
    };
    let place = |table: &mut Table, column: Column, position: &Option<MySQLColumnPosition>| {
        let at = match position {
            None => table.columns.len(),
            Some(MySQLColumnPosition::First) => 0,
            Some(MySQLColumnPosition::After(after)) => table
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(&after.value))
                .map_or(table.columns.len(), |i| i + 1),
        };
        table.columns.insert(at, column);
    };
    let missing = |name: &Ident| {
        stmt.error(
            name.span.start,
            format!("table `{}` has no column `{}`", table.name, name.value),
        )
    };
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            column_position,
            ..
        } => {
            if table.column(&column_def.name.value).is_some() {
                if *if_not_exists {
                    return Ok(());
                }
                return Err(stmt.error(
                    column_def.name.span.start,
                    format!(
                        "table `{}` has a column `{}` already",
                        table.name, column_def.name.value
                    ),
                ));
            }
            let (column, keys) = lower_column(
                stmt,
                column_def,
                def_range(&column_def.name, column_position),
            )?;
            let name = column.name.clone();
            place(table, column, column_position);
            add_inline_keys(stmt, table, &name, keys, column_def)
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            for name in column_names {
                let Some(i) = table
                    .columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&name.value))
                else {
                    if *if_exists {
                        continue;
                    }
                    return Err(missing(name));
                };
                let dropped = table.columns.remove(i).name;
                // MySQL takes a dropped column out of every key; a key left without
                // columns goes.
                let keep = |c: &String| !c.eq_ignore_ascii_case(&dropped);
                table.primary_key.retain(keep);
                for index in table.unique_keys.iter_mut().chain(table.indexes.iter_mut()) {
                    index.columns.retain(keep);
                }
                table.unique_keys.retain(|k| !k.columns.is_empty());
                table.indexes.retain(|k| !k.columns.is_empty());
            }
            Ok(())
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => replace_column(
            stmt,
            table,
            col_name,
            &ColumnDef {
                name: col_name.clone(),
                data_type: data_type.clone(),
                options: option_defs(options),
            },
            def_range(col_name, column_position),
            column_position,
        ),
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => replace_column(
            stmt,
            table,
            old_name,
            &ColumnDef {
                name: new_name.clone(),
                data_type: data_type.clone(),
                options: option_defs(options),
            },
            def_range(new_name, column_position),
            column_position,
        ),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let Some(i) = table
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(&old_column_name.value))
            else {
                return Err(missing(old_column_name));
            };
            let old = std::mem::replace(&mut table.columns[i].name, new_column_name.value.clone());
            rename_in_keys(table, &old, &new_column_name.value);
            Ok(())
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            // The key's text is the operation's after `ADD`.
            let text = range.and_then(|r| {
                let significant = stmt.significant(r.clone());
                let first = *significant.get(1)?;
                Some(stmt.text_of(first..r.end))
            });
            add_constraint(stmt, table, constraint, text)
        }
        AlterTableOperation::DropIndex { name } => {
            let before = table.unique_keys.len() + table.indexes.len();
            table
                .unique_keys
                .retain(|k| !k.name.eq_ignore_ascii_case(&name.value));
            table
                .indexes
                .retain(|k| !k.name.eq_ignore_ascii_case(&name.value));
            if table.unique_keys.len() + table.indexes.len() == before {
                return Err(stmt.error(
                    name.span.start,
                    format!("table `{}` has no key `{}`", table.name, name.value),
                ));
            }
            Ok(())
        }
        AlterTableOperation::DropConstraint { name, .. } => {
            // MySQL 8 drops a unique key by its name this way too; other constraints are
            // not modeled.
            table
                .unique_keys
                .retain(|k| !k.name.eq_ignore_ascii_case(&name.value));
            Ok(())
        }
        AlterTableOperation::DropPrimaryKey { .. } => {
            table.primary_key.clear();
            Ok(())
        }
        AlterTableOperation::DropForeignKey { .. } => Ok(()),
        AlterTableOperation::AlterColumn { column_name, .. } => Err(stmt.error(
            column_name.span.start,
            format!(
                "`ALTER COLUMN {}` is not supported; write the whole column with `MODIFY COLUMN`",
                column_name.value
            ),
        )),
        other => Err(stmt.error(
            range
                .and_then(|r| stmt.tokens.get(r.start))
                .map_or(stmt.start(), |t| t.span.start),
            format!(
                "rzctl cannot follow this ALTER TABLE operation (`{}`)",
                first_words(&other.to_string())
            ),
        )),
    }
}

fn option_defs(options: &[ColumnOption]) -> Vec<sqlparser::ast::ColumnOptionDef> {
    options
        .iter()
        .map(|option| sqlparser::ast::ColumnOptionDef {
            name: None,
            option: option.clone(),
        })
        .collect()
}

fn rename_in_keys(table: &mut Table, old: &str, new: &str) {
    let rename = |c: &mut String| {
        if c.eq_ignore_ascii_case(old) {
            *c = new.to_owned();
        }
    };
    table.primary_key.iter_mut().for_each(rename);
    for index in table.unique_keys.iter_mut().chain(table.indexes.iter_mut()) {
        index.columns.iter_mut().for_each(rename);
    }
}

/// `MODIFY` / `CHANGE`: the column named `old` becomes `def`, where it was or at `position`.
fn replace_column(
    stmt: &Stmt,
    table: &mut Table,
    old: &Ident,
    def: &ColumnDef,
    text: Option<Range<usize>>,
    position: &Option<MySQLColumnPosition>,
) -> Result<(), Diagnostic> {
    let Some(i) = table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(&old.value))
    else {
        return Err(stmt.error(
            old.span.start,
            format!("table `{}` has no column `{}`", table.name, old.value),
        ));
    };
    let (column, keys) = lower_column(stmt, def, text)?;
    let old_name = table.columns.remove(i).name;
    let new_name = column.name.clone();
    let at = match position {
        None => i,
        Some(MySQLColumnPosition::First) => 0,
        Some(MySQLColumnPosition::After(after)) => table
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&after.value))
            .map_or(table.columns.len(), |p| p + 1),
    };
    table.columns.insert(at.min(table.columns.len()), column);
    rename_in_keys(table, &old_name, &new_name);
    add_inline_keys(stmt, table, &new_name, keys, def)
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

/// The model's type of a column type, and whether it is `SERIAL` (MySQL's `BIGINT UNSIGNED
/// NOT NULL AUTO_INCREMENT UNIQUE`).
fn sql_type(ty: &DataType) -> Option<(SqlType, bool)> {
    use DataType as D;
    let int = |bytes: u8, unsigned: bool| Some(SqlType::Int { bytes, unsigned });
    // MySQL: FLOAT(p) is single precision up to p = 24 and DOUBLE above; FLOAT(M,D) single.
    let float = |info: &ExactNumberInfo| match info {
        ExactNumberInfo::Precision(p) if *p > 24 => Some(SqlType::Double),
        _ => Some(SqlType::Float),
    };
    let ty = match ty {
        // ZEROFILL pads for display and makes the column UNSIGNED.
        D::Zerofill(inner) => {
            return sql_type(inner).map(|(ty, serial)| match ty {
                SqlType::Int { bytes, .. } => (
                    SqlType::Int {
                        bytes,
                        unsigned: true,
                    },
                    serial,
                ),
                other => (other, serial),
            });
        }
        D::Bool | D::Boolean | D::TinyInt(Some(1)) => Some(SqlType::Bool),
        D::Bit(None | Some(1)) => Some(SqlType::Bool),
        D::Bit(Some(width)) if (2..=64).contains(width) => Some(SqlType::Bits { width: *width }),
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
                ExactNumberInfo::None => (None, None),
                ExactNumberInfo::Precision(p) => (Some(*p), None),
                ExactNumberInfo::PrecisionAndScale(p, s) => (Some(*p), Some(*s)),
            };
            Some(SqlType::Decimal { precision, scale })
        }
        D::Float(info) | D::FloatUnsigned(info) => float(info),
        D::Float4 => Some(SqlType::Float),
        // REAL is DOUBLE in MySQL (unless the REAL_AS_FLOAT mode is set).
        D::Real | D::RealUnsigned => Some(SqlType::Double),
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
        D::Binary(_) | D::Varbinary(_) | D::Blob(_) | D::TinyBlob | D::MediumBlob | D::LongBlob => {
            Some(SqlType::Bytes)
        }
        D::Date => Some(SqlType::Date),
        D::Datetime(_) => Some(SqlType::DateTime),
        D::Timestamp(..) => Some(SqlType::Timestamp),
        D::Time(..) => Some(SqlType::Time),
        D::JSON => Some(SqlType::Json),
        D::Custom(name, _) if last_name(name).eq_ignore_ascii_case("year") => Some(SqlType::Year),
        D::Custom(name, args)
            if last_name(name).eq_ignore_ascii_case("serial") && args.is_empty() =>
        {
            return Some((
                SqlType::Int {
                    bytes: 8,
                    unsigned: true,
                },
                true,
            ));
        }
        _ => None,
    };
    ty.map(|ty| (ty, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Vec<Table>, Diagnostics) {
        parse(&SourceFile::new("t.sql", text))
    }

    fn one(text: &str) -> Table {
        let (tables, diags) = parse_text(text);
        assert!(diags.is_empty(), "{diags}");
        tables
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no table in {text}"))
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

    #[test]
    fn statements_keep_their_text_without_the_schema() {
        let sql = "CREATE TABLE `shop`.`user` (\n  id int PRIMARY KEY,\n  a int,\n  KEY ia (a) USING HASH COMMENT 'idx'\n) COMMENT 'x';\nCREATE INDEX ib ON shop.user (a DESC);\n";
        let user = one(sql);
        assert_eq!(user.name, "user");
        assert_eq!(
            user.statements,
            [
                "CREATE TABLE `user` (\n  id int PRIMARY KEY,\n  a int,\n  KEY ia (a) USING HASH COMMENT 'idx'\n) COMMENT 'x'",
                "CREATE INDEX ib ON user (a DESC)",
            ]
        );
        assert_eq!(
            user.indexes[0].definition,
            "KEY ia (a) USING HASH COMMENT 'idx'"
        );
        assert_eq!(user.indexes[1].definition, "INDEX `ib` (a DESC)");
        assert_eq!(user.column("id").unwrap().definition, "int");
    }

    #[test]
    fn mysql_type_synonyms_and_widths() {
        let t = one(
            "CREATE TABLE t (id serial, a int1 unsigned, b int3 zerofill, c int8, d nchar(3), e national varchar(5), f fixed(5,2), g real, h float(30), i float(10), j float(7,4), k bit, l bit(12), m double precision, n float4, PRIMARY KEY (id));",
        );
        let ty = |c: &str| t.column(c).unwrap().ty.clone();
        assert_eq!(
            ty("id"),
            SqlType::Int {
                bytes: 8,
                unsigned: true
            }
        );
        let id = t.column("id").unwrap();
        assert!(id.auto_increment && !id.nullable);
        assert_eq!(t.unique_keys[0].columns, ["id"]);
        assert_eq!(
            ty("a"),
            SqlType::Int {
                bytes: 1,
                unsigned: true
            }
        );
        assert_eq!(
            ty("b"),
            SqlType::Int {
                bytes: 3,
                unsigned: true
            }
        );
        assert_eq!(
            ty("c"),
            SqlType::Int {
                bytes: 8,
                unsigned: false
            }
        );
        assert_eq!(ty("d"), SqlType::Text { max: Some(3) });
        assert_eq!(ty("e"), SqlType::Text { max: Some(5) });
        assert!(matches!(
            ty("f"),
            SqlType::Decimal {
                precision: Some(5),
                scale: Some(2)
            }
        ));
        assert_eq!(ty("g"), SqlType::Double);
        assert_eq!(ty("h"), SqlType::Double);
        assert_eq!(ty("i"), SqlType::Float);
        assert_eq!(ty("j"), SqlType::Float);
        assert_eq!(ty("k"), SqlType::Bool);
        assert_eq!(ty("l"), SqlType::Bits { width: 12 });
        assert_eq!(ty("m"), SqlType::Double);
        assert_eq!(ty("n"), SqlType::Float);
        // The migration keeps the words as written.
        assert!(
            t.statements[0].contains("int1 unsigned")
                && t.statements[0].contains("national varchar(5)")
        );
    }

    #[test]
    fn defaults_keep_their_text() {
        let t = one(
            "CREATE TABLE t (id int PRIMARY KEY, b bit(1) NOT NULL DEFAULT b'1', d decimal(5,2) DEFAULT 1.50);",
        );
        assert_eq!(t.column("b").unwrap().default.as_deref(), Some("B'1'"));
        assert_eq!(t.column("d").unwrap().default.as_deref(), Some("1.50"));
    }

    #[test]
    fn synonyms_are_types_only_where_a_type_goes() {
        let t = one(
            "CREATE TABLE t (id int PRIMARY KEY, fixed nchar(2), KEY nchar (fixed));\nALTER TABLE t ADD COLUMN national int, CHANGE COLUMN fixed fixed2 fixed(4,1);",
        );
        assert_eq!(
            t.column("fixed2").unwrap().ty,
            SqlType::Decimal {
                precision: Some(4),
                scale: Some(1)
            }
        );
        assert_eq!(
            t.column("national").unwrap().ty,
            SqlType::Int {
                bytes: 4,
                unsigned: false
            }
        );
        assert_eq!(t.indexes[0].name, "nchar");
    }

    #[test]
    fn a_byte_order_mark_is_no_sql() {
        let t = one("\u{feff}CREATE TABLE t (id int PRIMARY KEY);");
        assert_eq!(t.name, "t");
    }

    #[test]
    fn later_statements_change_the_table() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, a int, b int, KEY ia (a));\nALTER TABLE t ADD COLUMN c varchar(8) NOT NULL DEFAULT '' AFTER id, DROP COLUMN b, ADD UNIQUE KEY uc (c);\nDROP INDEX ia ON t;\nCREATE TABLE gone (id int PRIMARY KEY);\nDROP TABLE gone;\n";
        let (tables, diags) = parse_text(sql);
        assert!(diags.is_empty(), "{diags}");
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "c", "a"]);
        assert_eq!(
            t.column("c").unwrap().definition,
            "varchar(8) NOT NULL DEFAULT ''"
        );
        assert!(t.indexes.is_empty());
        assert_eq!(t.unique_keys[0].definition, "UNIQUE KEY uc (c)");
        assert_eq!(t.statements.len(), 3);
    }
}
