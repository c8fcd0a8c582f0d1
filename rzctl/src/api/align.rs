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
    let mut widths = Vec::new();
    table.format(0, count, &mut widths);
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

    fn format(&mut self, mut line0: usize, line1: usize, widths: &mut Vec<usize>) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column >= self.columns(this) {
                this += 1;
                continue;
            }
            // a block of lines that all have a cell in this column starts here
            self.write_lines(line0, this, widths);
            line0 = this;
            let mut w = MIN_WIDTH;
            while this < line1 && column < self.columns(this) {
                let cell = self.lines[this][column];
                w = w.max(width(cell) + PADDING);
                this += 1;
            }
            widths.push(w);
            self.format(line0, this, widths);
            widths.pop();
            line0 = this;
            // the line that ended the block has no cell here; skip it as Go does
            this += 1;
        }
        self.write_lines(line0, line1, widths);
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
    fn keeps_leading_tabs_and_counts_characters() {
        assert_eq!(align("\t\tx"), "\t\tx");
        assert_eq!(align("é\tb\nab\tc"), "é  b\nab c");
        assert_eq!(align(""), "");
    }
}
