//! CalDAV client: discovery, change detection (sync-collection, ctag, etag listing),
//! multiget, conditional writes.
#![allow(missing_docs, unused_variables)]

use super::http::{HttpClient, HttpStats};
use crate::model::{Etag, Href, SyncToken, Uid};
use crate::Result;

pub struct CalendarInfo {
    pub url: String,
    pub display_name: Option<String>,
    pub color: Option<String>,
    pub read_only: bool,
    pub components: Vec<String>,
    pub supports_sync_collection: bool,
}
pub struct CollectionState {
    pub ctag: Option<String>,
    pub sync_token: Option<SyncToken>,
    pub supports_sync_collection: bool,
}
pub struct RemoteItem {
    pub href: Href,
    pub etag: Etag,
}
pub enum SyncResult {
    Delta {
        changed: Vec<RemoteItem>,
        deleted: Vec<Href>,
        token: SyncToken,
    },
    InvalidToken,
}
pub struct FetchedItem {
    pub href: Href,
    pub etag: Etag,
    pub ics: String,
}
pub enum WriteOutcome {
    Written { href: Href, etag: Option<Etag> },
    PreconditionFailed,
    NotFound,
    UidConflict { existing: Option<Href> },
}
pub struct CalDavClient {
    pub batch_size: usize,
    http: HttpClient,
}
impl CalDavClient {
    pub fn new(http: HttpClient) -> Self {
        todo!()
    }
    pub fn stats(&self) -> HttpStats {
        todo!()
    }
    pub fn discover(&mut self, url: &str) -> Result<Vec<CalendarInfo>> {
        todo!()
    }
    pub fn collection_state(&mut self, cal_url: &str) -> Result<CollectionState> {
        todo!()
    }
    pub fn sync_collection(
        &mut self,
        cal_url: &str,
        token: Option<&SyncToken>,
    ) -> Result<SyncResult> {
        todo!()
    }
    pub fn list_etags(
        &mut self,
        cal_url: &str,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<RemoteItem>> {
        todo!()
    }
    pub fn multiget(
        &mut self,
        cal_url: &str,
        hrefs: &[Href],
        on_item: &mut dyn FnMut(FetchedItem) -> Result<()>,
    ) -> Result<Vec<Href>> {
        todo!()
    }
    pub fn get(&mut self, href: &Href) -> Result<Option<FetchedItem>> {
        todo!()
    }
    pub fn create(&mut self, cal_url: &str, uid: &Uid, ics: &str) -> Result<WriteOutcome> {
        todo!()
    }
    pub fn update(&mut self, href: &Href, etag: &Etag, ics: &str) -> Result<WriteOutcome> {
        todo!()
    }
    pub fn delete(&mut self, href: &Href, etag: &Etag) -> Result<WriteOutcome> {
        todo!()
    }
}
