//! Diagnostics: errors that point into a source file, rendered like rustc's.
//!
//! A [`Diagnostic`] keeps a shared handle to the whole [`SourceFile`] it points
//! into, so it can be rendered long after parsing without a separate source map.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The text of one input file together with the name it is reported under.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the first character of every line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Arc::new(Self {
            name: name.into(),
            text,
            line_starts,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column of a byte offset; columns count characters.
    /// Offsets past the end or inside a character are clamped, never a panic.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset);
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line_index + 1, column + 1)
    }

    /// The byte offset of a 1-based line and character column (what other parsers report);
    /// positions past a line's end or the file's end are clamped.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let text = self.line_text(line);
        let within = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        start + within
    }

    /// The text of a 1-based line without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end).unwrap_or("");
        text.strip_suffix('\r').unwrap_or(text)
    }

    fn floor_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Where a diagnostic points: a file and a byte range in it.
#[derive(Debug, Clone)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

/// Whether a diagnostic stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    /// Reported, but the output is still written: something in the input has no effect.
    Warning,
}

/// Where a part of a checked model was written, so that a later stage (code generation) can
/// point at it. Positions take no part in equality: two models of one API are equal wherever
/// their parts were written.
#[derive(Debug, Clone, Default)]
pub struct Origin(Option<Location>);

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Origin {}

impl Origin {
    pub fn new(file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        Self(Some(Location {
            file: Arc::clone(file),
            span,
        }))
    }

    /// No known position (models built by hand, in tests).
    pub fn unknown() -> Self {
        Self(None)
    }

    pub fn location(&self) -> Option<&Location> {
        self.0.as_ref()
    }

    /// An error at this place, or without a place when it is unknown.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        match &self.0 {
            Some(loc) => Diagnostic::error(&loc.file, loc.span.clone(), message),
            None => Diagnostic::bare(message),
        }
    }

    /// `file:line:column`, for notes that point at a second place.
    pub fn describe(&self) -> Option<String> {
        self.0.as_ref().map(|loc| {
            let (line, column) = loc.file.line_col(loc.span.start);
            format!("{}:{line}:{column}", loc.file.name())
        })
    }
}

/// One error or warning.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(file: &Arc<SourceFile>, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: Some(Location {
                file: Arc::clone(file),
                span,
            }),
            notes: Vec::new(),
        }
    }

    /// An error that belongs to no place in a file (e.g. a file that cannot be read).
    pub fn bare(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            notes: Vec::new(),
        }
    }

    /// The same diagnostic as a warning.
    #[must_use]
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// `file:line:column` of the start of the span, if the diagnostic has one.
    pub fn position(&self) -> Option<(String, usize, usize)> {
        self.location.as_ref().map(|loc| {
            let (line, column) = loc.file.line_col(loc.span.start);
            (loc.file.name().to_owned(), line, column)
        })
    }
}

/// Width of a tab when source lines are shown, so carets line up in any terminal.
const TAB_WIDTH: usize = 4;

fn expand_tabs(text: &str) -> String {
    text.replace('\t', &" ".repeat(TAB_WIDTH))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        if let Some(loc) = &self.location {
            let file = &loc.file;
            let (line, column) = file.line_col(loc.span.start);
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            writeln!(f, "{pad}--> {}:{line}:{column}", file.name())?;
            writeln!(f, "{pad} |")?;
            let source_line = file.line_text(line);
            writeln!(f, "{line} | {}", expand_tabs(source_line))?;
            let before: String = source_line.chars().take(column - 1).collect();
            let (end_line, end_column) = file.line_col(loc.span.end.max(loc.span.start));
            let underlined: String = if end_line == line {
                source_line
                    .chars()
                    .skip(column - 1)
                    .take(end_column.saturating_sub(column))
                    .collect()
            } else {
                source_line.chars().skip(column - 1).collect()
            };
            let width = expand_tabs(&underlined).chars().count().max(1);
            writeln!(
                f,
                "{pad} | {}{}",
                " ".repeat(expand_tabs(&before).chars().count()),
                "^".repeat(width)
            )?;
        }
        let pad = match &self.location {
            Some(loc) => " ".repeat(loc.file.line_col(loc.span.start).0.to_string().len()),
            None => String::new(),
        };
        for note in &self.notes {
            writeln!(f, "{pad} = note: {note}")?;
        }
        Ok(())
    }
}

/// Every error found in one run, in the order they were found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any diagnostic is an error (warnings alone do not stop a run).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Splits into (errors, warnings), keeping the order of each.
    pub fn partition(self) -> (Diagnostics, Diagnostics) {
        let (errors, warnings) = self.0.into_iter().partition(Diagnostic::is_error);
        (Diagnostics(errors), Diagnostics(warnings))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("a.api", "héllo\nwörld x");
        assert_eq!(file.line_col(0), (1, 1));
        // 'l' after 'é' (2 bytes) is byte 3, column 3.
        assert_eq!(file.line_col(3), (1, 3));
        let x = file.text().find('x').unwrap_or(0);
        assert_eq!(file.line_col(x), (2, 7));
        // past the end and inside a character are clamped
        assert_eq!(file.line_col(1000), (2, 8));
        assert_eq!(file.line_col(2), (1, 2));
    }

    #[test]
    fn renders_caret_under_span() {
        let file = SourceFile::new("x.api", "type A {\n\tName strin `json:\"n\"`\n}\n");
        let start = file.text().find("strin").unwrap_or(0);
        let d = Diagnostic::error(&file, start..start + 5, "unknown type `strin`");
        let text = d.to_string();
        assert_eq!(
            text,
            "error: unknown type `strin`\n --> x.api:2:7\n  |\n2 |     Name strin `json:\"n\"`\n  |          ^^^^^\n"
        );
    }

    #[test]
    fn renders_crlf_and_empty_files_without_panic() {
        let file = SourceFile::new("c.api", "a\r\nb\r\n");
        let d = Diagnostic::error(&file, 3..4, "bad");
        assert!(d.to_string().contains("2 | b\n"));
        let empty = SourceFile::new("e.api", "");
        let d = Diagnostic::error(&empty, 0..0, "empty");
        assert!(d.to_string().contains("e.api:1:1"));
    }
}
