//! CalDAV client: discovery, change detection (sync-collection, ctag, etag listing),
//! multiget, conditional writes.
