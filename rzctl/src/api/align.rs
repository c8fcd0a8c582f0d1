//! Elastic tabstops, as Go's `text/tabwriter` lays them out with the settings
//! goctl's formatter uses (min width 1, tab width 8, padding 1, pad with
//! spaces, indent with tabs). goctl writes `name\ttype\ttag` and lets this
//! turn the tabs into aligned columns, so matching goctl byte for byte means
//! reproducing its column rules exactly:
//!
//! - a cell is text ended by a tab; the text after a line's last tab is not
//!   part of any column;
//! - a column block is a run of consecutive lines that all have a cell in
//!   that column; its width is the widest cell plus padding;
//! - leading empty cells are written as tabs, all other padding as spaces.

const MIN_WIDTH: usize = 1;
const TAB_WIDTH: usize = 8;
const PADDING: usize = 1;

struct Table<'a> {
    lines: Vec<Vec<&'a str>>,
    out: String,
}

/// Aligns tab-separated cells in `text` into columns.
pub fn align(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut table = Table {
        lines,
        out: String::with_capacity(text.len()),
    };
    let count = table.lines.len();
    table.format(count);
    table.out
}

fn width(cell: &str) -> usize {
    cell.chars().count()
}

impl Table<'_> {
    /// Number of column cells in a line (its last cell is not one).
    fn columns(&self, line: usize) -> usize {
        self.lines
            .get(line)
            .map_or(0, |l| l.len().saturating_sub(1))
    }

    /// Lays out lines `0..count`. Go's tabwriter recurses once per column;
    /// this keeps an explicit stack instead, so a line with thousands of
    /// tabs cannot overflow the call stack.
    fn format(&mut self, count: usize) {
        struct Frame {
            line0: usize,
            line1: usize,
            this: usize,
        }
        let mut widths: Vec<usize> = Vec::new();
        let mut stack = vec![Frame {
            line0: 0,
            line1: count,
            this: 0,
        }];
        while let Some(frame) = stack.last_mut() {
            let column = widths.len();
            while frame.this < frame.line1 && column >= self.columns(frame.this) {
                frame.this += 1;
            }
            if frame.this < frame.line1 {
                // a block of lines that all have a cell in this column
                let start = frame.this;
                self.write_lines(frame.line0, start, &widths);
                let mut end = start;
                let mut w = MIN_WIDTH;
                while end < frame.line1 && column < self.columns(end) {
                    w = w.max(width(self.lines[end][column]) + PADDING);
                    end += 1;
                }
                // after the block, go on below it; the line that ended the
                // block has no cell here and is skipped, as Go does
                frame.line0 = end;
                frame.this = end + 1;
                widths.push(w);
                stack.push(Frame {
                    line0: start,
                    line1: end,
                    this: start,
                });
            } else {
                let (line0, line1) = (frame.line0, frame.line1);
                self.write_lines(line0, line1, &widths);
                stack.pop();
                widths.pop();
            }
        }
    }

    fn write_lines(&mut self, line0: usize, line1: usize, widths: &[usize]) {
        let total = self.lines.len();
        for i in line0..line1 {
            let mut use_tabs = true;
            let cells = self.lines[i].len();
            for j in 0..cells {
                let cell = self.lines[i][j];
                let is_last = j + 1 == cells;
                if cell.is_empty() {
                    if !is_last && j < widths.len() {
                        pad(&mut self.out, 0, widths[j], use_tabs);
                    }
                } else {
                    use_tabs = false;
                    self.out.push_str(cell);
                    if !is_last && j < widths.len() {
                        pad(&mut self.out, width(cell), widths[j], false);
                    }
                }
            }
            if i + 1 != total {
                self.out.push('\n');
            }
        }
    }
}

fn pad(out: &mut String, text_width: usize, cell_width: usize, use_tabs: bool) {
    if use_tabs {
        let cell_width = cell_width.div_ceil(TAB_WIDTH) * TAB_WIDTH;
        let n = cell_width.saturating_sub(text_width);
        out.extend(std::iter::repeat_n('\t', n.div_ceil(TAB_WIDTH)));
    } else {
        out.extend(std::iter::repeat_n(
            ' ',
            cell_width.saturating_sub(text_width),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::align;

    #[test]
    fn aligns_columns_of_consecutive_lines() {
        let text = "\tName\tstring\t`json:\"name\"`\n\tAge\tint\t`json:\"age\"`\n";
        assert_eq!(
            align(text),
            "\tName string `json:\"name\"`\n\tAge  int    `json:\"age\"`\n"
        );
    }

    #[test]
    fn a_line_without_the_column_ends_the_block() {
        let text = "\tA\tint\n\t// c\n\tLonger\tint\n";
        assert_eq!(align(text), "\tA int\n\t// c\n\tLonger int\n");
    }

    #[test]
    fn nested_columns_and_very_many_tabs() {
        assert_eq!(align("a\tb\tc\nd\te\n"), "a b c\nd e\n");
        assert_eq!(align("a\tbb\tc\naa\tb\tc\n"), "a  bb c\naa b  c\n");
        let many = "x\t".repeat(100_000);
        assert_eq!(align(&many).len(), 200_000);
    }

    #[test]
    fn keeps_leading_tabs_and_counts_characters() {
        assert_eq!(align("\t\tx"), "\t\tx");
        assert_eq!(align("é\tb\nab\tc"), "é  b\nab c");
        assert_eq!(align(""), "");
    }
}
