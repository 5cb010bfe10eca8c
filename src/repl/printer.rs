//! Task output on a terminal: a task that prints while the prompt is
//! shown must not garble the line being edited.
//!
//! What the session's tasks print goes through a [`PromptWriter`]. While
//! an input runs it writes straight through. While the editor shows the
//! prompt it first clears the prompt line, then writes the text (ending
//! it with a newline if needed) and draws the prompt again; the editor
//! redraws the text typed so far at the next keystroke.
//!
//! Rejected: rustyline's external printer, which redraws the typed text
//! too, because with one created rustyline 17.0.2 reads only the first
//! byte of input that arrives in one burst (a paste, or a test sending a
//! whole line; rustyline issue #976), until more input arrives.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// Clears the terminal line the cursor is on (carriage return, erase
/// line).
const CLEAR_LINE: &[u8] = b"\r\x1b[K";

/// The state both the editor and the writers see.
#[derive(Default)]
struct Shown {
    /// The prompt on screen, while the editor reads a line.
    prompt: Option<String>,
}

/// Tells the task output writers whether the prompt is shown.
#[derive(Clone, Default)]
pub struct PromptState(Arc<Mutex<Shown>>);

impl PromptState {
    /// The editor shows `prompt` (or, with `None`, an input runs).
    pub fn set(&self, prompt: Option<&str>) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).prompt = prompt.map(str::to_string);
    }

    /// A writer for the runtime (`RunConfig::stdout` or `stderr`) that
    /// writes to `sink` as the module docs say. The runtime flushes after
    /// every print, so each flush writes one print's text.
    pub fn writer<W: Write + Send + 'static>(&self, sink: W) -> PromptWriter<W> {
        PromptWriter {
            shown: self.clone(),
            sink,
            pending: Vec::new(),
        }
    }
}

/// See the module docs.
pub struct PromptWriter<W> {
    shown: PromptState,
    sink: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for PromptWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return self.sink.flush();
        }
        let text = std::mem::take(&mut self.pending);
        // Held while writing, so the editor's state cannot change midway.
        let shown = self.shown.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &shown.prompt {
            None => self.sink.write_all(&text)?,
            Some(prompt) => {
                self.sink.write_all(CLEAR_LINE)?;
                self.sink.write_all(&text)?;
                if !text.ends_with(b"\n") {
                    self.sink.write_all(b"\n")?;
                }
                self.sink.write_all(prompt.as_bytes())?;
            }
        }
        self.sink.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn output_at_the_prompt_clears_and_redraws_it() {
        let state = PromptState::default();
        let sink = Sink::default();
        let mut w = state.writer(sink.clone());
        w.write_all(b"running\n").unwrap();
        w.flush().unwrap();
        state.set(Some(">> "));
        w.write_all(b"tick\n").unwrap();
        w.flush().unwrap();
        w.write_all(b"no newline").unwrap();
        w.flush().unwrap();
        state.set(None);
        w.write_all(b"done\n").unwrap();
        w.flush().unwrap();
        let got = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            got,
            "running\n\r\x1b[Ktick\n>> \r\x1b[Kno newline\n>> done\n"
        );
    }
}
