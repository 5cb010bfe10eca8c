//! When an input is complete: lines are joined while brackets are open
//! or the last line ends with a binary operator (or `,`, `.`, `=`, `->`),
//! so `fn f() {` continues on the next line. Strings cannot span lines in
//! Kriti, so an open string is an error, not a continuation.

/// True when `text` needs more lines before it can be compiled.
pub fn needs_more(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = text.chars().peekable();
    let mut in_str = false;
    // Brace depth inside each open string's interpolation holes.
    let mut holes: Vec<i64> = Vec::new();
    let mut block_comment = 0usize;
    while let Some(c) = chars.next() {
        if block_comment > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block_comment -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block_comment += 1;
            }
            continue;
        }
        if in_str {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' | '\n' => in_str = false,
                '{' => {
                    in_str = false;
                    holes.push(depth);
                    depth += 1;
                }
                _ => {}
            }
            continue;
        }
        match c {
            // Interpolation holes cannot span lines: one still open at a
            // line break is an error to report, not a continuation.
            '\n' if !holes.is_empty() => {
                depth = holes[0];
                holes.clear();
            }
            '"' => in_str = true,
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                block_comment += 1;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth -= 1,
            '}' => {
                depth -= 1;
                if holes.last() == Some(&depth) {
                    holes.pop();
                    in_str = true;
                }
            }
            _ => {}
        }
    }
    if !holes.is_empty() || in_str {
        // An open string or hole at the end: also an error to report.
        return false;
    }
    depth > 0 || block_comment > 0 || ends_with_operator(text)
}

/// The last line ends with something that cannot end a statement.
fn ends_with_operator(text: &str) -> bool {
    let Some(line) = text.lines().last() else {
        return false;
    };
    // A trailing comment does not count.
    let code = match line.find("//") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    };
    let code = code.trim_end();
    const TRAILING: &[&str] = &[
        "&&", "||", "==", "!=", "<=", ">=", "->", "=>", "<<", "+", "-", "*", "/", "%", "=", ",",
        ".", "&", "|", "^", "!",
    ];
    TRAILING.iter().any(|op| code.ends_with(op)) && !code.ends_with("..")
}

#[cfg(test)]
mod tests {
    use super::needs_more;

    #[test]
    fn open_brackets_continue() {
        assert!(needs_more("fn f() {"));
        assert!(needs_more("let xs = [1,"));
        assert!(needs_more("foo(1"));
        assert!(!needs_more("fn f() { 1 }"));
        assert!(!needs_more("let s = \"a {x} b\""));
        assert!(needs_more("foo(\"a {x} b\","));
        // Strings and holes cannot span lines: errors, not continuations.
        assert!(!needs_more("let s = \"{ oops"));
        assert!(!needs_more("let s = \"a {f(x} b\""));
        assert!(!needs_more("f(\"open"));
    }

    #[test]
    fn trailing_operators_continue() {
        assert!(needs_more("1 +"));
        assert!(needs_more("a &&"));
        assert!(needs_more("let x ="));
        assert!(!needs_more("x + 1"));
        assert!(!needs_more("1 + 2 // sum +"));
        assert!(!needs_more("0.."));
    }

    #[test]
    fn comments() {
        assert!(!needs_more("// {"));
        assert!(needs_more("/* open"));
    }
}
