//! Files and folders only their owner can read: everything Synchro creates holds calendar data
//! or account settings, so files are created `0600` and folders `0700` (on Unix; elsewhere
//! the platform's defaults apply). The mode is set at creation, so there is no moment when
//! another user could open the file; files that already exist keep their mode.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Mode of the files Synchro creates.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the folders Synchro creates.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents, each new one `0700`.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir)
}

/// Options that create a file `0600` (add `create`, `create_new`, `write`... as needed).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// Writes `bytes` to `path`, creating it `0600` or truncating it.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file: File = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_folders_are_private_existing_ones_keep_their_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("x.ics");
        write(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&file, b"y").unwrap();
        assert_eq!(mode(&file), 0o640);
        assert_eq!(std::fs::read(&file).unwrap(), b"y");
    }
}
