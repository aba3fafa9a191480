//! `floor-stat DIR`: the folder half of a no-change sync's floor. Lists `DIR` and reads the
//! metadata (modification time, size) of each of its files, without opening any: the least
//! work any client must do to learn whether a folder of events changed since the last sync.

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).expect("usage: floor-stat DIR");
    let mut files = 0usize;
    let mut digest = 0u64;
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        // One stat per entry relative to the open folder, symlinks not followed: what a sync
        // must do at least to see a file edited in place.
        let meta = entry.metadata()?;
        if meta.is_file() {
            let mtime = meta
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            digest = digest.wrapping_mul(31).wrapping_add(mtime ^ meta.len());
            files += 1;
        }
    }
    println!("{files} files ({digest:016x})");
    Ok(())
}
