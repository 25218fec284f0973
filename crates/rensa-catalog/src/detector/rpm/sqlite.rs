//! The SQLite `rpmdb.sqlite` of rpm ≥ 4.16 (Fedora 33+, RHEL 9, …): table `Packages (hnum, blob)`.
//!
//! The file is opened in memory from the bytes the layer walk kept; nothing is written to disk.

use rusqlite::{Connection, MAIN_DB, OpenFlags};

/// Reads every `(hnum, header blob)` of an `rpmdb.sqlite` file.
pub fn read(data: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    if data.len() < 100 || !data.starts_with(b"SQLite format 3\0") {
        return Err("not an SQLite database".to_string());
    }
    // rpm keeps the database in WAL mode (file format bytes 18 and 19 = 2); an in-memory copy cannot use a
    // write-ahead log, so it is read as a rollback-journal database (1). A log left next to the file in the
    // image is not applied. The patched bytes are spliced in while SQLite copies the file, so the database
    // is held only once more.
    let patch = [
        if data[18] == 2 { 1 } else { data[18] },
        if data[19] == 2 { 1 } else { data[19] },
    ];
    let reader = std::io::Read::chain(std::io::Read::chain(&data[..18], &patch[..]), &data[20..]);
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("opening SQLite: {e}"))?;
    conn.deserialize_read_exact(MAIN_DB, reader, data.len(), true)
        .map_err(|e| format!("loading SQLite database: {e}"))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("reading table Packages: {e}"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(|e| format!("reading table Packages: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let (hnum, blob) = row.map_err(|e| format!("reading table Packages: {e}"))?;
        let hnum = u32::try_from(hnum).map_err(|_| format!("package number {hnum} out of range"))?;
        out.push((hnum, blob));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_sqlite_and_missing_table() {
        assert!(read(b"hello").unwrap_err().contains("not an SQLite"));
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE Other (x INTEGER); INSERT INTO Other VALUES (1);")
            .unwrap();
        let data = conn.serialize(MAIN_DB).unwrap().to_vec();
        assert!(read(&data).unwrap_err().contains("Packages"));
        let mut cut = data.clone();
        cut.truncate(200);
        assert!(read(&cut).is_err());
    }

    #[test]
    fn reads_rows() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        )
        .unwrap();
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [b"abc".to_vec()])
            .unwrap();
        let data = conn.serialize(MAIN_DB).unwrap().to_vec();
        assert_eq!(read(&data).unwrap(), vec![(1, b"abc".to_vec())]);
    }
}
