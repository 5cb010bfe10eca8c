//! What a terminal would show for a program's output, for failure
//! messages: text, `\r`, `\n`, backspace and the cursor and erase
//! sequences rustyline writes (`CSI n A/B/C/D`, `CSI K`, `CSI J`); other
//! escape sequences (modes, colours) are dropped.

/// The screen after `output`: its rows, trailing blank rows trimmed.
pub fn render(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let mut screen = Screen::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut params = String::new();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() || c == '~' {
                        screen.csi(&params, c);
                        break;
                    }
                    params.push(c);
                }
            }
            '\x1b' => {
                chars.next();
            }
            '\r' => screen.col = 0,
            '\n' => screen.row += 1,
            '\x08' => screen.col = screen.col.saturating_sub(1),
            c if c.is_control() => {}
            c => screen.put(c),
        }
    }
    let mut rows: Vec<String> = screen
        .rows
        .iter()
        .map(|r| r.iter().collect::<String>().trim_end().to_string())
        .collect();
    while rows.last().is_some_and(|r| r.is_empty()) {
        rows.pop();
    }
    rows.join("\n")
}

/// Rows of characters and a cursor.
#[derive(Default)]
struct Screen {
    rows: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    /// The cursor's row, made to exist.
    fn line(&mut self) -> &mut Vec<char> {
        if self.rows.len() <= self.row {
            self.rows.resize(self.row + 1, Vec::new());
        }
        &mut self.rows[self.row]
    }

    fn put(&mut self, c: char) {
        let col = self.col;
        let line = self.line();
        if line.len() <= col {
            line.resize(col + 1, ' ');
        }
        line[col] = c;
        self.col += 1;
    }

    /// A control sequence `ESC [ params end`.
    fn csi(&mut self, params: &str, end: char) {
        let n = params.parse::<usize>().unwrap_or(1).max(1);
        match end {
            'A' => self.row = self.row.saturating_sub(n),
            'B' => self.row += n,
            'C' => self.col += n,
            'D' => self.col = self.col.saturating_sub(n),
            'G' => self.col = n - 1,
            'K' => {
                let col = self.col;
                self.line().truncate(col);
            }
            'J' => {
                let col = self.col;
                self.line().truncate(col);
                self.rows.truncate(self.row + 1);
            }
            _ => {}
        }
    }
}
