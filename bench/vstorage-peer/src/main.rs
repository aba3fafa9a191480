//! `vstorage-peer`: two-way sync of one CalDAV calendar with a folder of `.ics` files, done by
//! the `vstorage` crate's own planner and executor (what pimsync runs), for the benchmark.
//!
//! Usage: `vstorage-peer SERVER_URL USER COLLECTION_ID VDIR_ROOT STATUS_DB` with the password in
//! `$VSTORAGE_PASSWORD`. The calendar `SERVER_URL/.../COLLECTION_ID/` is discovered from the
//! server URL and paired with `VDIR_ROOT/COLLECTION_ID/`; the server wins conflicts. Prints
//! the number of operations executed and exits non-zero on any error.

use std::sync::Arc;

use futures_util::StreamExt;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use libdav::dav::WebDavClient;
use tower_http::auth::AddAuthorization;
use vstorage::{
    ItemKind,
    base::Storage,
    caldav::{CalDavStorage, CollectionIdSegment},
    sync::{
        Side,
        conflict::{KeepSideResolver, resolve_conflicts},
        declare::{StoragePair, SyncedCollection},
        execute::Executor,
        plan::Plan,
        status::StatusDatabase,
    },
    vdir::VdirStorage,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, user, collection, vdir, status_db] = args.as_slice() else {
        return Err(
            "usage: vstorage-peer SERVER_URL USER COLLECTION_ID VDIR_ROOT STATUS_DB".into(),
        );
    };
    let password = std::env::var("VSTORAGE_PASSWORD").map_err(|_| "VSTORAGE_PASSWORD unset")?;

    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let http = Client::builder(TokioExecutor::new()).build(connector);
    let http = AddAuthorization::basic(http, user, &password);
    let webdav = WebDavClient::new(server.parse()?, http);
    let remote: Arc<dyn Storage> = Arc::new(
        CalDavStorage::builder(webdav)
            .with_collection_id_segment(CollectionIdSegment::Last)
            .build()
            .await?,
    );
    std::fs::create_dir_all(vdir)?;
    let local: Arc<dyn Storage> =
        Arc::new(VdirStorage::builder(camino::Utf8PathBuf::from(vdir))?.build(ItemKind::Calendar));

    let pair = StoragePair::new(local.clone(), remote.clone())
        .with_mapping(SyncedCollection::direct(collection.parse()?));
    let status = Arc::new(StatusDatabase::open_or_create(status_db)?);
    let plan = Plan::new(pair, Some(status.clone())).await?;
    let mut ops = Box::pin(resolve_conflicts(plan, KeepSideResolver(Side::B)));
    let executor = Executor::new(local, remote, status);
    let mut done = 0usize;
    while let Some(op) = ops.next().await {
        executor.execute_operation(op?).await??;
        done += 1;
    }
    println!("{done} operations");
    Ok(())
}
