//! The three-way item table: for each event, what the server had (href, etag, iCalendar)
//! and what the device had (id, version, fingerprint) at the last sync that touched it.

use super::StoreTx;
use crate::model::{Etag, Href, Uid};
use crate::Result;
use rusqlite::{params, Row};

/// One synced (or half-synced) event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRecord {
    /// Row id (0 before insertion).
    pub id: i64,
    /// Calendar row id.
    pub calendar_id: i64,
    /// iCalendar UID.
    pub uid: Uid,
    /// Server resource, once it exists there.
    pub href: Option<Href>,
    /// Its etag at the last sync.
    pub etag: Option<Etag>,
    /// The server's iCalendar at the last sync (device edits are merged into it).
    pub server_ics: Option<String>,
    /// Fingerprint of `server_ics`.
    pub server_fp: Option<String>,
    /// Device id, once it exists there.
    pub device_id: Option<String>,
    /// Device version at the last sync.
    pub device_version: Option<String>,
    /// Event fingerprint of the device copy at the last sync.
    pub device_fp: Option<String>,
}

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<ItemRecord> {
    Ok(ItemRecord {
        id: r.get(0)?,
        calendar_id: r.get(1)?,
        uid: Uid::new(r.get::<_, String>(2)?),
        href: r.get::<_, Option<String>>(3)?.map(Href::new),
        etag: r.get::<_, Option<String>>(4)?.map(Etag::new),
        server_ics: r.get(5)?,
        server_fp: r.get(6)?,
        device_id: r.get(7)?,
        device_version: r.get(8)?,
        device_fp: r.get(9)?,
    })
}

const ITEM_COLUMNS: &str =
    "id, calendar_id, uid, href, etag, server_ics, server_fp, device_id, device_version, device_fp";

impl StoreTx<'_> {
    /// Every item of a calendar.
    pub fn items(&self, calendar_id: i64) -> Result<Vec<ItemRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE calendar_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([calendar_id], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every item of a calendar without its iCalendar (`server_ics` is `None`): what the
    /// device scan and a no-change check need, without reading every body.
    pub fn items_without_bodies(&self, calendar_id: i64) -> Result<Vec<ItemRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM items WHERE calendar_id = ?1 ORDER BY id",
            ITEM_COLUMNS.replace("server_ics", "NULL")
        ))?;
        let rows = stmt.query_map([calendar_id], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Number of items of a calendar.
    pub fn item_count(&self, calendar_id: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM items WHERE calendar_id = ?1",
            [calendar_id],
            |r| r.get(0),
        )?)
    }

    /// Inserts (id 0) or replaces an item; returns its id.
    pub fn save_item(&self, item: &ItemRecord) -> Result<i64> {
        let values = params![
            item.calendar_id,
            item.uid.as_str(),
            item.href.as_ref().map(|h| h.as_str()),
            item.etag.as_ref().map(|e| e.as_str()),
            item.server_ics,
            item.server_fp,
            item.device_id,
            item.device_version,
            item.device_fp,
            item.id,
        ];
        if item.id == 0 {
            let mut stmt = self.conn.prepare_cached(
                "INSERT INTO items (calendar_id, uid, href, etag, server_ics, server_fp,
                                    device_id, device_version, device_fp)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            stmt.execute(&values[..9])?;
            Ok(self.conn.last_insert_rowid())
        } else {
            let mut stmt = self.conn.prepare_cached(
                "UPDATE items SET calendar_id = ?1, uid = ?2, href = ?3, etag = ?4,
                        server_ics = ?5, server_fp = ?6, device_id = ?7, device_version = ?8,
                        device_fp = ?9
                 WHERE id = ?10",
            )?;
            stmt.execute(values)?;
            Ok(item.id)
        }
    }

    /// Removes an item.
    pub fn delete_item(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM items WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::accounts::tests::sample;
    use crate::store::SqliteStore;

    #[test]
    fn items_insert_update_delete() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let cal = store.read().calendar_state(acc).unwrap().id;
        let mut item = ItemRecord {
            calendar_id: cal,
            uid: Uid::new("u1"),
            href: Some(Href::new("/cal/u1.ics")),
            ..Default::default()
        };
        item.id = store.write(|tx| tx.save_item(&item)).unwrap();
        assert!(item.id > 0);
        item.etag = Some(Etag::new("\"2\""));
        store.write(|tx| tx.save_item(&item)).unwrap();
        let items = store.read().items(cal).unwrap();
        assert_eq!(items, vec![item.clone()]);
        // The same href twice in one calendar is refused.
        let dup = ItemRecord {
            id: 0,
            uid: Uid::new("u2"),
            ..item.clone()
        };
        assert!(store.write(|tx| tx.save_item(&dup)).is_err());
        store.write(|tx| tx.delete_item(item.id)).unwrap();
        assert_eq!(store.read().item_count(cal).unwrap(), 0);
    }
}
