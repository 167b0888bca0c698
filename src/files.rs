//! The one way this crate writes a file (downloads, and the CLI's every
//! output through [`OutputFile::write`]):
//!
//! - **Only regular files** are written or replaced: a directory, a
//!   symlink, a FIFO, a device or a socket at the destination is refused
//!   ([`WriteProblem::NotARegularFile`]) and left as it is. Nothing is ever
//!   opened at the destination itself, so a FIFO cannot block the write and
//!   a device or a symlink's target cannot receive it.
//! - **An existing file is replaced only when asked**
//!   ([`OutputFile::replace`]); otherwise it is [`WriteProblem::Exists`].
//!   Without replacing, the file is put in place with a hard link, which
//!   fails if anything appeared at the destination in the meantime.
//! - **Atomic**: the bytes go to a temporary file beside the destination,
//!   `.<name>.<16 random hex digits>.part`, created exclusively (`O_EXCL`:
//!   a file or symlink planted at that name makes the writer pick another
//!   name, never follow it), synced to disk, then renamed into place (and
//!   the directory synced). On any error the temporary file is removed and
//!   the destination is untouched.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written ([`Error::Write`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteProblem {
    /// A file is already at the destination and replacing it was not
    /// asked for ([`OutputFile::replace`]; the CLI's `--force`).
    Exists,
    /// Something other than a regular file is at the destination: only
    /// regular files are written or replaced.
    NotARegularFile {
        /// What is there: `a directory`, `a symlink`, `a FIFO`,
        /// `a character device`, `a block device`, `a socket`.
        kind: &'static str,
    },
    /// The destination's directory does not exist, or the path names no
    /// file (it is empty or ends in `..`).
    NoDirectory,
    /// The file system refused (no permission, disk full, ...).
    Io {
        /// What the OS said.
        message: String,
    },
}

impl std::fmt::Display for WriteProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteProblem::Exists => write!(f, "a file is already there (not replaced)"),
            WriteProblem::NotARegularFile { kind } => {
                write!(f, "it is {kind}; only regular files are written")
            }
            WriteProblem::NoDirectory => write!(f, "its directory does not exist"),
            WriteProblem::Io { message } => write!(f, "{message}"),
        }
    }
}

/// A file to write safely: where, and whether an existing regular file
/// there may be replaced (by default it may not). See
/// [`Client::download_to`](crate::Client::download_to) and
/// [`write`](Self::write).
///
/// ```no_run
/// # fn demo(srt: &str) -> pictory::Result<()> {
/// let out = pictory::OutputFile::new("talk.srt").replace(true);
/// out.check()?; // before sending anything: refuses a FIFO, a symlink...
/// out.write(srt)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    path: PathBuf,
    replace: bool,
}

impl OutputFile {
    /// The file at `path`, which must not exist yet (see [`replace`](Self::replace)).
    pub fn new(path: impl Into<PathBuf>) -> OutputFile {
        OutputFile {
            path: path.into(),
            replace: false,
        }
    }

    /// Whether an existing regular file at the path may be replaced
    /// (never anything else: a directory, symlink, FIFO or device is
    /// refused either way).
    pub fn replace(mut self, replace: bool) -> OutputFile {
        self.replace = replace;
        self
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the destination may be written now: its directory exists,
    /// and nothing is there, or a regular file that may be replaced. Meant
    /// for before a long job, so that nothing is created (or billed) for a
    /// file that cannot be written; [`write`](Self::write) and downloads
    /// check again when they put the file in place.
    pub fn check(&self) -> Result<()> {
        self.check_for("write")
    }

    /// [`check`](Self::check), its error naming `operation`.
    pub(crate) fn check_for(&self, operation: &'static str) -> Result<()> {
        self.checked(operation).map(|_| ())
    }

    /// Writes `contents` as the whole file, atomically (see the module's
    /// rules: a temporary file created exclusively, synced, renamed).
    pub fn write(&self, contents: impl AsRef<[u8]>) -> Result<()> {
        const OP: &str = "write";
        self.checked(OP)?;
        let (temp, mut file) = TempFile::create(self, OP)?;
        file.write_all(contents.as_ref())
            .map_err(|e| self.error(OP, io_problem(&e)))?;
        temp.commit(self, OP, file)
    }

    /// [`Error::Write`] for this file.
    pub(crate) fn error(&self, operation: &'static str, problem: WriteProblem) -> Error {
        Error::Write {
            operation,
            path: self.path.display().to_string(),
            problem,
        }
    }

    /// The directory the file goes in; checks the destination. Returns
    /// whether a regular file is there now.
    fn checked(&self, operation: &'static str) -> Result<(PathBuf, bool)> {
        let dir = directory(&self.path)
            .ok_or_else(|| self.error(operation, WriteProblem::NoDirectory))?;
        if !dir.is_dir() {
            return Err(self.error(operation, WriteProblem::NoDirectory));
        }
        let existing = match std::fs::symlink_metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((dir, false)),
            Err(e) => return Err(self.error(operation, io_problem(&e))),
        };
        if let Some(kind) = not_regular(&existing.file_type()) {
            return Err(self.error(operation, WriteProblem::NotARegularFile { kind }));
        }
        if !self.replace {
            return Err(self.error(operation, WriteProblem::Exists));
        }
        Ok((dir, true))
    }
}

/// The directory `path` goes in, `None` when `path` names no file.
fn directory(path: &Path) -> Option<PathBuf> {
    path.file_name()?;
    Some(match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// What a file type is in words, `None` for a regular file.
fn not_regular(t: &std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    if t.is_symlink() {
        return Some("a symlink");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

fn io_problem(e: &std::io::Error) -> WriteProblem {
    WriteProblem::Io {
        message: e.to_string(),
    }
}

/// Bytes of the destination's name kept in the temporary file's name, so
/// that `.<name>.<16 hex digits>.part` stays within the 255 bytes most
/// file systems allow.
const PART_NAME_BYTES: usize = 200;

/// How many random names are tried before giving up (each taken name was
/// planted or is another writer's).
const NAME_TRIES: u32 = 16;

/// The temporary file beside a destination; removed on drop unless it
/// was put in place.
pub(crate) struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl TempFile {
    /// Creates a new temporary file beside `out`'s destination, under a
    /// random name, exclusively; the open file comes with it.
    pub(crate) fn create(out: &OutputFile, operation: &'static str) -> Result<(TempFile, File)> {
        let dir =
            directory(&out.path).ok_or_else(|| out.error(operation, WriteProblem::NoDirectory))?;
        let name = out
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut cut = name.len().min(PART_NAME_BYTES);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = &name[..cut];
        let mut tries = 0;
        loop {
            let path = dir.join(format!(".{name}.{:016x}.part", fastrand::u64(..)));
            match create_exclusive(&path) {
                Ok(file) => return Ok((TempFile { path, kept: false }, file)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < NAME_TRIES => {
                    tries += 1
                }
                Err(e) => return Err(out.error(operation, io_problem(&e))),
            }
        }
    }

    /// The temporary file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Syncs `file` (this temporary file, written) and puts it in place at
    /// `out`'s destination, checked again just before: a new file is
    /// linked in (failing if anything appeared there), an existing regular
    /// file replaced by a rename when `out` allows it.
    pub(crate) fn commit(
        mut self,
        out: &OutputFile,
        operation: &'static str,
        file: File,
    ) -> Result<()> {
        let fail = |e: std::io::Error| out.error(operation, io_problem(&e));
        file.sync_all().map_err(fail)?;
        drop(file);
        let (dir, existing) = out.checked(operation)?;
        if existing {
            // Keep the replaced file's permissions.
            if let Ok(meta) = std::fs::symlink_metadata(&out.path) {
                let _ = std::fs::set_permissions(&self.path, meta.permissions());
            }
            std::fs::rename(&self.path, &out.path).map_err(fail)?;
        } else {
            match std::fs::hard_link(&self.path, &out.path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // Something appeared since the check: say what.
                    out.checked(operation)?;
                    return Err(out.error(operation, WriteProblem::Exists));
                }
                // A file system without hard links: the check above, then
                // a rename (which never writes through what is there).
                Err(_) => std::fs::rename(&self.path, &out.path).map_err(fail)?,
            }
        }
        self.kept = true;
        sync_dir(&dir);
        Ok(())
    }
}

/// Opens `path` as a new file: fails if anything (a symlink included) is
/// there.
fn create_exclusive(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o666);
    }
    options.open(path)
}

/// Syncs a directory's entries (the rename) to disk, where the OS can.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pictory-files-{:016x}", fastrand::u64(..)));
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_is_written_and_an_existing_one_replaced_only_when_asked() {
        let dir = tempdir();
        let path = dir.join("out.srt");
        OutputFile::new(&path).write("one").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        let err = OutputFile::new(&path).write("two").unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Write {
                    problem: WriteProblem::Exists,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(OutputFile::new(&path).check().is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        OutputFile::new(&path).replace(true).check().unwrap();
        OutputFile::new(&path).replace(true).write("two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(entries(&dir), ["out.srt"]);
        let missing = OutputFile::new(dir.join("no/such/dir.srt"));
        assert!(matches!(
            missing.write("x"),
            Err(Error::Write {
                problem: WriteProblem::NoDirectory,
                ..
            })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_written() {
        let dir = tempdir();
        let target = dir.join("target");
        std::fs::write(&target, "precious").unwrap();
        let link = dir.join("link.srt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = dir.join("dangling.srt");
        std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        for (path, kind) in [
            (&link, "a symlink"),
            (&dangling, "a symlink"),
            (&sub, "a directory"),
        ] {
            for replace in [false, true] {
                let out = OutputFile::new(path).replace(replace);
                for result in [out.check(), out.write("x")] {
                    match result {
                        Err(Error::Write {
                            problem: WriteProblem::NotARegularFile { kind: k },
                            ..
                        }) => assert_eq!(k, kind),
                        other => panic!("{path:?}: {other:?}"),
                    }
                }
            }
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(!dir.join("nowhere").exists());
        assert_eq!(entries(&dir), ["dangling.srt", "link.srt", "sub", "target"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_name_taken_by_a_planted_symlink_is_never_followed() {
        let dir = tempdir();
        let target = dir.join("target");
        std::fs::write(&target, "precious").unwrap();
        let out = OutputFile::new(dir.join("out.txt"));
        let (temp, _file) = TempFile::create(&out, "write").unwrap();
        let name = temp.path().to_path_buf();
        drop(temp);
        assert!(!name.exists(), "removed on drop");
        // A symlink planted at a temporary name: creating it exclusively fails.
        std::os::unix::fs::symlink(&target, &name).unwrap();
        let err = create_exclusive(&name).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        // Names are random: a second temporary file has another one.
        let (a, _) = TempFile::create(&out, "write").unwrap();
        let (b, _) = TempFile::create(&out, "write").unwrap();
        assert_ne!(a.path(), b.path());
        let file_name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(file_name.starts_with(".out.txt.") && file_name.ends_with(".part"));
        drop((a, b));
        out.write("new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(dir.join("out.txt")).unwrap(), "new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn something_planted_at_the_destination_after_the_check_is_not_replaced() {
        let dir = tempdir();
        let path = dir.join("out.mp4");
        let out = OutputFile::new(&path);
        out.check().unwrap();
        let (temp, mut file) = TempFile::create(&out, "write").unwrap();
        file.write_all(b"video").unwrap();
        // Planted between the check and the commit.
        let target = dir.join("target");
        std::fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = temp.commit(&out, "write", file).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Write {
                    problem: WriteProblem::NotARegularFile { kind: "a symlink" },
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(
            std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(entries(&dir), ["out.mp4", "target"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
