//! The three-way item table: for each event, what the server had (href, etag, iCalendar)
//! and what the device had (id, version, fingerprint) at the last sync that touched it.

use super::StoreTx;
use crate::model::{Etag, Href, Uid};
use crate::Result;
use rusqlite::{params, Row};
use std::collections::HashMap;

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
    /// device scan, a no-change check and the plan need, without reading every body. Read
    /// from the index `items_scan` alone, which holds every other column.
    pub fn items_without_bodies(&self, calendar_id: i64) -> Result<Vec<ItemRecord>> {
        let count = self.item_count(calendar_id)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM items INDEXED BY items_scan WHERE calendar_id = ?1 ORDER BY id",
            ITEM_COLUMNS.replace("server_ics", "NULL")
        ))?;
        let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for row in stmt.query_map([calendar_id], item_from_row)? {
            out.push(row?);
        }
        Ok(out)
    }

    /// When the calendar's rows all have both sides and their device ids and versions are
    /// exactly `listed` (a device's listing, id -> version): nothing changed on the device,
    /// and the number of rows. One pass over the index `items_scan`, no row built.
    pub fn device_side_unchanged(
        &self,
        calendar_id: i64,
        listed: &HashMap<&[u8], &[u8]>,
    ) -> Result<Option<usize>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_id, device_version, href IS NULL FROM items INDEXED BY items_scan
             WHERE calendar_id = ?1",
        )?;
        let mut rows = stmt.query([calendar_id])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let bytes = |i: usize| {
                row.get_ref(i)?.as_bytes_or_null().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })
            };
            let no_href: bool = row.get(2)?;
            let same = match (bytes(0)?, bytes(1)?) {
                (Some(id), Some(v)) => !no_href && listed.get(id) == Some(&v),
                _ => false,
            };
            if !same {
                return Ok(None);
            }
            count += 1;
        }
        Ok((count == listed.len()).then_some(count))
    }

    /// The digest of the device listing that last matched the calendar's rows (see
    /// [`StoreTx::device_side_unchanged`]) and the number of rows then, unless a write to
    /// the rows made it stale since: the schema's triggers clear it on any delete or change
    /// of a row's calendar, href, device id or device version, and any insert gives a row id
    /// above the highest one kept with the digest (row ids only go down when the highest
    /// row is deleted, which clears it too).
    pub fn device_digest(&self, calendar_id: i64) -> Result<Option<(String, usize)>> {
        let (kept, highest): (Option<String>, Option<i64>) = self.conn.query_row(
            "SELECT device_digest, (SELECT MAX(id) FROM items WHERE calendar_id = ?1)
             FROM calendars WHERE id = ?1",
            [calendar_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(kept.and_then(|d| {
            let mut parts = d.splitn(3, ':');
            let count = parts.next()?.parse().ok()?;
            let kept_highest: i64 = parts.next()?.parse().ok()?;
            let digest = parts.next()?;
            (kept_highest == highest.unwrap_or(0)).then(|| (digest.to_owned(), count))
        }))
    }

    /// Keeps `digest`, the digest of a device listing that matches the calendar's `count`
    /// rows exactly, with the calendar's highest row id.
    pub fn set_device_digest(&self, calendar_id: i64, digest: &str, count: usize) -> Result<()> {
        self.conn.execute(
            "UPDATE calendars SET device_digest = ?2 || ':' ||
                 IFNULL((SELECT MAX(id) FROM items WHERE calendar_id = ?1), 0) || ':' || ?3
             WHERE id = ?1",
            params![calendar_id, count.to_string(), digest],
        )?;
        Ok(())
    }

    /// The items (without their iCalendar) at these hrefs, each once, in row order.
    pub fn items_by_hrefs<'h>(
        &self,
        calendar_id: i64,
        hrefs: impl IntoIterator<Item = &'h Href>,
    ) -> Result<Vec<ItemRecord>> {
        self.light_items_where("href", calendar_id, hrefs.into_iter().map(Href::as_str))
    }

    /// The items (without their iCalendar) with these UIDs, each once, in row order.
    pub fn items_by_uids<'u>(
        &self,
        calendar_id: i64,
        uids: impl IntoIterator<Item = &'u Uid>,
    ) -> Result<Vec<ItemRecord>> {
        self.light_items_where("uid", calendar_id, uids.into_iter().map(Uid::as_str))
    }

    /// The rows (without their iCalendar) whose `column` is one of `values`.
    fn light_items_where<'v>(
        &self,
        column: &str,
        calendar_id: i64,
        values: impl Iterator<Item = &'v str>,
    ) -> Result<Vec<ItemRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM items WHERE calendar_id = ?1 AND {column} = ?2",
            ITEM_COLUMNS.replace("server_ics", "NULL")
        ))?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for value in values {
            for row in stmt.query_map(params![calendar_id, value], item_from_row)? {
                let row = row?;
                if seen.insert(row.id) {
                    out.push(row);
                }
            }
        }
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// One item, with its iCalendar.
    pub fn item(&self, id: i64) -> Result<Option<ItemRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"))?;
        let mut rows = stmt.query_map([id], item_from_row)?;
        Ok(rows.next().transpose()?)
    }

    /// Reads the iCalendar of the rows of `items` (read without their bodies) that `wanted`
    /// picks and that have one; returns how many were read.
    pub fn fill_bodies(
        &self,
        items: &mut [ItemRecord],
        wanted: impl Fn(&ItemRecord) -> bool,
    ) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT server_ics FROM items WHERE id = ?1")?;
        let mut read = 0;
        for item in items.iter_mut() {
            if item.server_ics.is_some() || !wanted(item) {
                continue;
            }
            let body: Option<Option<String>> = stmt
                .query_row([item.id], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?;
            if let Some(Some(body)) = body {
                item.server_ics = Some(body);
                read += 1;
            }
        }
        Ok(read)
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

    #[test]
    fn any_write_to_a_calendars_rows_clears_its_device_digest() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let other = store.read().add_account(&sample("b"), None).unwrap();
        let cal = store.read().calendar_state(acc).unwrap().id;
        let other_cal = store.read().calendar_state(other).unwrap().id;
        let keep = |store: &SqliteStore| {
            store.read().set_device_digest(cal, "d1", 1).unwrap();
            assert_eq!(
                store.read().device_digest(cal).unwrap(),
                Some(("d1".into(), 1))
            );
        };
        let mut item = ItemRecord {
            calendar_id: cal,
            uid: Uid::new("u1"),
            href: Some(Href::new("/cal/u1.ics")),
            device_id: Some("u1.ics".into()),
            device_version: Some("1-1".into()),
            ..Default::default()
        };
        keep(&store);
        item.id = store.write(|tx| tx.save_item(&item)).unwrap();
        assert_eq!(store.read().device_digest(cal).unwrap(), None, "insert");
        keep(&store);
        item.device_version = Some("2-1".into());
        store.write(|tx| tx.save_item(&item)).unwrap();
        assert_eq!(store.read().device_digest(cal).unwrap(), None, "update");
        keep(&store);
        // Rows of another calendar leave this one's digest alone.
        store
            .write(|tx| {
                tx.save_item(&ItemRecord {
                    calendar_id: other_cal,
                    uid: Uid::new("u2"),
                    ..Default::default()
                })
            })
            .unwrap();
        assert!(store.read().device_digest(cal).unwrap().is_some());
        // The highest row of the table gone (another calendar's), an insert here still
        // takes a row id above every row this calendar had.
        let highest: i64 = store
            .read()
            .conn
            .query_row("SELECT MAX(id) FROM items", [], |r| r.get(0))
            .unwrap();
        store.write(|tx| tx.delete_item(highest)).unwrap();
        assert!(store.read().device_digest(cal).unwrap().is_some());
        let extra = ItemRecord {
            id: 0,
            uid: Uid::new("u3"),
            href: None,
            device_id: Some("u3.ics".into()),
            ..item.clone()
        };
        let extra_id = store.write(|tx| tx.save_item(&extra)).unwrap();
        assert_eq!(store.read().device_digest(cal).unwrap(), None, "insert");
        store.write(|tx| tx.delete_item(extra_id)).unwrap();
        keep(&store);
        store.write(|tx| tx.delete_item(item.id)).unwrap();
        assert_eq!(store.read().device_digest(cal).unwrap(), None, "delete");
        // A digest kept before row ids were part of it is not read.
        store
            .read()
            .conn
            .execute(
                "UPDATE calendars SET device_digest = '0:d1' WHERE id = ?1",
                [cal],
            )
            .unwrap();
        assert_eq!(store.read().device_digest(cal).unwrap(), None, "old format");
    }

    #[test]
    fn light_rows_come_from_the_index_and_bodies_only_where_asked() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let acc = store.read().add_account(&sample("a"), None).unwrap();
        let cal = store.read().calendar_state(acc).unwrap().id;
        let mut saved = Vec::new();
        for n in 0..4 {
            let mut item = ItemRecord {
                calendar_id: cal,
                uid: Uid::new(format!("u{n}")),
                href: Some(Href::new(format!("/cal/u{n}.ics"))),
                etag: Some(Etag::new(format!("\"{n}\""))),
                server_ics: (n != 3).then(|| format!("ics {n}")),
                server_fp: Some(format!("fp{n}")),
                device_id: Some(format!("u{n}.ics")),
                device_version: Some(format!("v{n}")),
                device_fp: Some(format!("dfp{n}")),
                ..Default::default()
            };
            item.id = store.write(|tx| tx.save_item(&item)).unwrap();
            saved.push(item);
        }
        let plan: String = store
            .read()
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id, calendar_id, uid, href, etag, NULL, server_fp, \
                 device_id, device_version, device_fp FROM items INDEXED BY items_scan \
                 WHERE calendar_id = 1 ORDER BY id",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("COVERING INDEX items_scan"), "{plan}");
        let mut light = store.read().items_without_bodies(cal).unwrap();
        let without: Vec<ItemRecord> = saved
            .iter()
            .map(|i| ItemRecord {
                server_ics: None,
                ..i.clone()
            })
            .collect();
        assert_eq!(light, without);
        // Only the rows asked for get their body; a row without one stays without.
        let read = store
            .read()
            .fill_bodies(&mut light, |i| i.id == saved[1].id || i.id == saved[3].id)
            .unwrap();
        assert_eq!(read, 1);
        assert_eq!(light[1], saved[1]);
        assert_eq!(light[0].server_ics, None);
        assert_eq!(light[3], saved[3]);
        assert_eq!(
            store.read().item(saved[2].id).unwrap(),
            Some(saved[2].clone())
        );
        assert_eq!(store.read().item(9_999).unwrap(), None);
    }
}
