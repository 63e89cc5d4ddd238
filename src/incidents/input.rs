//! One export to read: its name, its bytes (a file, which large exports are read from in
//! parallel parts, or a stream), the threads it may be read with, and a progress report. Every
//! input can be read again: a file by its path, a stream from the copy kept as it was read.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::split;

/// Told how many more bytes of an export were read, for a progress display. Parts of one file
/// read in parallel each report their own bytes.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// One export to read: its name for messages and its bytes (plain, or gzip-compressed: a file
/// that starts with the gzip signature is decompressed as it is read).
pub struct Input {
    pub(super) name: String,
    pub(super) bytes: Bytes,
    pub(super) threads: usize,
    pub(super) min_part: u64,
    pub(super) progress: Option<Progress>,
}

pub(super) enum Bytes {
    /// Read once, front to back.
    Stream(Box<dyn Read>),
    /// A file on disk, which can also be opened again at any offset.
    File {
        file: File,
        path: PathBuf,
        size: u64,
        modified: Option<std::time::SystemTime>,
    },
}

/// A file is split into parts only when each part gets at least this many bytes: below that,
/// starting threads costs more than it saves.
const MIN_PART_BYTES: u64 = 4 << 20;

impl Input {
    /// An export read front to back once, from any reader (standard input, memory, a pipe). Its
    /// bytes are kept as they are read, so that the rows of repeated ids can be read again.
    pub fn stream(name: impl Into<String>, reader: impl Read + 'static) -> Self {
        Self {
            name: name.into(),
            bytes: Bytes::Stream(Box::new(reader)),
            threads: 1,
            min_part: MIN_PART_BYTES,
            progress: None,
        }
    }

    /// An export file. A large plain-text one is read in parallel parts, one per CPU unless
    /// [`Input::threads`] says otherwise.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let threads = crate::parallel::cpus();
        // A pipe, a FIFO or a terminal can be read once only: it is read as a stream, whose
        // bytes are kept for reading again.
        let bytes = if metadata.is_file() {
            Bytes::File {
                file,
                path: path.to_owned(),
                size: metadata.len(),
                modified: metadata.modified().ok(),
            }
        } else {
            Bytes::Stream(Box::new(file))
        };
        Ok(Self {
            name: path.display().to_string(),
            bytes,
            threads: threads.min(split::MAX_PARTS),
            min_part: MIN_PART_BYTES,
            progress: None,
        })
    }

    /// Reads with at most `threads` threads (1: front to back in one pass).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.clamp(1, split::MAX_PARTS);
        self
    }

    /// Reports the bytes read to `progress` as reading goes.
    #[must_use]
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The name the export is known by in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size of the export as stored, when it is a file.
    pub fn stored_size(&self) -> Option<u64> {
        match &self.bytes {
            Bytes::Stream(_) => None,
            Bytes::File { size, .. } => Some(*size),
        }
    }

    /// Sets the least part size of a parallel read, so tests can split small files.
    #[cfg(test)]
    pub(super) fn min_part(mut self, bytes: u64) -> Self {
        self.min_part = bytes;
        self
    }
}

/// A reader that reports the bytes it hands out.
struct Reported<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for Reported<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        (self.progress)(count as u64);
        Ok(count)
    }
}

/// `reader`, reporting to `progress` when there is one.
pub(super) fn with_progress<'r>(
    reader: impl Read + 'r,
    progress: Option<&Progress>,
) -> Box<dyn Read + 'r> {
    match progress {
        Some(progress) => Box::new(Reported {
            inner: reader,
            progress: Arc::clone(progress),
        }),
        None => Box::new(reader),
    }
}

/// An input's bytes, to read again: a file by its path, a stream by the copy taken as it was
/// read.
pub(super) enum Again {
    /// A file, with its size and modification time when first read: reading it again is an
    /// error if either changed, since the rows taken back must be the rows taken.
    Path {
        path: PathBuf,
        size: u64,
        modified: Option<std::time::SystemTime>,
    },
    /// A stream, from the copy kept of its bytes as it was read.
    Kept(Arc<Mutex<Vec<u8>>>),
}

/// A reader that keeps a copy of the bytes it hands out.
pub(super) struct Copied<R> {
    pub(super) inner: R,
    pub(super) copy: Arc<Mutex<Vec<u8>>>,
}

impl<R: Read> Read for Copied<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.copy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(&buffer[..count]);
        Ok(count)
    }
}
