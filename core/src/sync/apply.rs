//! Applies device writes in batches and records each result in the store at once: the part
//! of execution every protocol shares.

use super::plan::ServerItem;
use super::report::SyncReport;
use crate::device::{DeviceCalendar, DeviceOp, DeviceOutcome};
use crate::store::{ItemRecord, SqliteStore};
use crate::{Error, Result};

/// Which counter a device write moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// device.added
    Added,
    /// device.updated
    Updated,
    /// device.deleted
    Deleted,
}

/// One device write and what the store records when it succeeds.
#[derive(Debug)]
pub struct DeviceTask {
    /// The write.
    pub op: DeviceOp,
    /// The row to save with the device's new id and version filled in; `None` for a delete,
    /// where `delete_row` is removed instead.
    pub record: Option<ItemRecord>,
    /// Row to remove after a successful delete.
    pub delete_row: Option<i64>,
    /// Counter to move.
    pub count: Count,
    /// UID, for error messages.
    pub uid: String,
}

impl DeviceTask {
    /// A create or update of the device with the server's version of an item, recorded as
    /// `base` with the server fields of `item` (moved, not copied). On error, the item's
    /// href with it.
    pub fn from_server(
        base: ItemRecord,
        item: ServerItem,
        device_id: Option<String>,
    ) -> std::result::Result<DeviceTask, (crate::model::Href, Error)> {
        let ServerItem {
            href,
            etag,
            ics,
            uid,
            fp,
            event_fp,
            event,
            pair_key: _,
        } = item;
        let ics = match ics.into_string() {
            Ok(ics) => ics,
            Err(e) => return Err((href, e)),
        };
        let event = match event {
            Some(event) => *event,
            None => match crate::ical::ics_to_event(&ics) {
                Ok(event) => event,
                Err(e) => return Err((href, e)),
            },
        };
        let task_uid = uid.to_string();
        let record = ItemRecord {
            uid,
            href: Some(href),
            etag: Some(etag),
            server_ics: Some(ics),
            server_fp: Some(fp),
            device_fp: Some(event_fp),
            ..base
        };
        let (op, count) = match device_id {
            Some(id) => (DeviceOp::Update { id, event }, Count::Updated),
            None => (DeviceOp::Create(event), Count::Added),
        };
        Ok(DeviceTask {
            op,
            record: Some(record),
            delete_row: None,
            count,
            uid: task_uid,
        })
    }
}

/// A device write waiting for its batch: ready, or the server's version of an item, whose
/// event is read when the batch is built.
#[derive(Debug)]
pub enum PendingTask {
    /// Built already (a delete).
    Ready(Box<DeviceTask>),
    /// [`DeviceTask::from_server`] of these, when the batch is built.
    FromServer(Box<FromServer>),
}

/// The arguments of [`DeviceTask::from_server`], kept until the batch is built.
#[derive(Debug)]
pub struct FromServer {
    /// The row the record starts from.
    pub base: ItemRecord,
    /// The server's version.
    pub item: ServerItem,
    /// The device event it replaces, if any.
    pub device_id: Option<String>,
}

/// The device tasks of a batch, in order; the server items' events are read on a few
/// threads. An item that cannot be read is reported in `errors` and left out.
pub fn build_tasks(pending: Vec<PendingTask>, errors: &mut Vec<String>) -> Vec<DeviceTask> {
    let built = crate::parallel::map_ordered(pending, 50, |p| match p {
        PendingTask::Ready(task) => Ok(*task),
        PendingTask::FromServer(f) => DeviceTask::from_server(f.base, f.item, f.device_id),
    });
    readable(built, errors)
}

/// The items that could be read, in order; each that could not is reported in `errors`
/// with its href.
pub(crate) fn readable<T>(
    results: Vec<std::result::Result<T, (crate::model::Href, Error)>>,
    errors: &mut Vec<String>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(item) => out.push(item),
            Err((href, e)) => errors.push(format!("server item {href}: {e}")),
        }
    }
    out
}

/// Runs device tasks in batches of the device's [`batch_size`](DeviceCalendar::batch_size)
/// through a [`DeviceWriter`]: after each batch, one store transaction records the outcomes
/// while the next batch is written. A failed op is reported and leaves its row as it was.
pub fn run_device_tasks(
    device: &mut dyn DeviceCalendar,
    store: &mut SqliteStore,
    tasks: Vec<DeviceTask>,
    report: &mut SyncReport,
    interrupt: &super::Interrupt,
    progress: &dyn super::Progress,
) -> Result<()> {
    let pending = tasks
        .into_iter()
        .map(|t| PendingTask::Ready(Box::new(t)))
        .collect();
    run_pending_tasks(device, store, pending, report, interrupt, progress)
}

/// [`run_device_tasks`] of tasks still to be built: each batch's server events are read
/// while the batch before it is written, so that a plan of any size holds one batch of
/// parsed events.
pub fn run_pending_tasks(
    device: &mut dyn DeviceCalendar,
    store: &mut SqliteStore,
    pending: Vec<PendingTask>,
    report: &mut SyncReport,
    interrupt: &super::Interrupt,
    progress: &dyn super::Progress,
) -> Result<()> {
    let batch = device.batch_size().max(1);
    with_device_writer(device, store, report, progress, |writer, store, report| {
        let mut pending = pending.into_iter().peekable();
        while pending.peek().is_some() {
            let chunk = build_tasks(pending.by_ref().take(batch).collect(), &mut report.errors);
            writer.submit(chunk, store, report, interrupt, progress)?;
        }
        Ok(())
    })
}

/// Runs `f` with a [`DeviceWriter`] over `device`, then lands the batch still in flight:
/// whatever `f` returns, every batch the device wrote is recorded (the first error wins).
pub fn with_device_writer<R>(
    device: &mut dyn DeviceCalendar,
    store: &mut SqliteStore,
    report: &mut SyncReport,
    progress: &dyn super::Progress,
    f: impl FnOnce(&mut DeviceWriter<'_, '_>, &mut SqliteStore, &mut SyncReport) -> Result<R>,
) -> Result<R> {
    std::thread::scope(|scope| {
        let mut writer = DeviceWriter {
            scope,
            device: Some(device),
            in_flight: None,
        };
        let result = f(&mut writer, store, report);
        let landed = match writer.join() {
            Some(written) => record(written, store, report, progress),
            None => Ok(()),
        };
        match (result, landed) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(r), Ok(())) => Ok(r),
        }
    })
}

/// Device batches written on a thread of their own, so that the store records batch N (and
/// the engine builds batch N + 2) while the device writes batch N + 1. At most one batch is
/// in flight; a batch is recorded only after the device returned from writing it, which is
/// when it is durable: a crash at any point leaves written events the store does not know
/// yet, never a record of an event the device does not hold.
pub struct DeviceWriter<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    /// Here while no batch is in flight.
    device: Option<&'env mut dyn DeviceCalendar>,
    in_flight: Option<InFlight<'scope, 'env>>,
}

/// A batch being written, or written already when no thread could be started.
enum InFlight<'scope, 'env> {
    Running(std::thread::ScopedJoinHandle<'scope, Option<Landed<'env>>>),
    Done(Landed<'env>),
}

/// The device handed back with the batch it wrote.
type Landed<'env> = (&'env mut dyn DeviceCalendar, Written);

/// A batch's tasks and what the device answered.
struct Written {
    tasks: Vec<DeviceTask>,
    outcomes: Result<Vec<DeviceOutcome>>,
    device_ms: u128,
}

impl<'env> DeviceWriter<'_, 'env> {
    /// Lands the batch in flight (waits for its write, records its outcomes), and starts
    /// writing `tasks` before recording, unless the sync was interrupted or the batch in
    /// flight failed: then `tasks` are dropped unwritten and the error returned.
    pub fn submit(
        &mut self,
        tasks: Vec<DeviceTask>,
        store: &mut SqliteStore,
        report: &mut SyncReport,
        interrupt: &super::Interrupt,
        progress: &dyn super::Progress,
    ) -> Result<()> {
        if tasks.is_empty() {
            return Ok(());
        }
        let landed = self.join();
        let failed = landed.as_ref().is_some_and(|w| w.outcomes.is_err()) || self.device.is_none();
        let go_on = interrupt.check();
        if go_on.is_ok() && !failed {
            self.start(tasks);
        }
        if let Some(written) = landed {
            record(written, store, report, progress)?;
        }
        go_on?;
        match self.device.is_some() || self.in_flight.is_some() {
            true => Ok(()),
            false => Err(Error::Device("the device writer stopped".into())),
        }
    }

    /// Hands `tasks` to a writer thread; with no thread, writes them here.
    fn start(&mut self, mut tasks: Vec<DeviceTask>) {
        let Some(device) = self.device.take() else {
            return;
        };
        // The ops go to the device (each task keeps a placeholder); the tasks keep what the
        // store records.
        let ops: Vec<DeviceOp> = tasks
            .iter_mut()
            .map(|t| std::mem::replace(&mut t.op, DeviceOp::Delete { id: String::new() }))
            .collect();
        let write =
            move |(device, tasks, ops): (&'env mut dyn DeviceCalendar, _, Vec<DeviceOp>)| {
                let started = std::time::Instant::now();
                let outcomes = device.apply(&ops);
                let written = Written {
                    tasks,
                    outcomes,
                    device_ms: started.elapsed().as_millis(),
                };
                (device, written)
            };
        // The batch is sent once the thread runs, so a thread that cannot be started leaves
        // it here.
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("synchro-device".into())
            .spawn_scoped(self.scope, move || rx.recv().ok().map(write));
        self.in_flight = Some(match spawned {
            Ok(handle) => match tx.send((device, tasks, ops)) {
                Ok(()) => InFlight::Running(handle),
                Err(std::sync::mpsc::SendError(job)) => InFlight::Done(write(job)),
            },
            Err(_) => InFlight::Done(write((device, tasks, ops))),
        });
    }

    /// Waits for the batch in flight, if any, and takes the device back.
    fn join(&mut self) -> Option<Written> {
        let (device, written) = match self.in_flight.take()? {
            InFlight::Running(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            InFlight::Done(done) => done,
        };
        self.device = Some(device);
        Some(written)
    }
}

/// Records a written batch in one store transaction, then moves the report's counters and
/// the progress; a device error for the whole batch is returned as it is.
fn record(
    written: Written,
    store: &mut SqliteStore,
    report: &mut SyncReport,
    progress: &dyn super::Progress,
) -> Result<()> {
    let Written {
        mut tasks,
        outcomes,
        device_ms,
    } = written;
    let outcomes = outcomes?;
    if outcomes.len() != tasks.len() {
        return Err(Error::Device(format!(
            "device answered {} results for {} writes",
            outcomes.len(),
            tasks.len()
        )));
    }
    let started = std::time::Instant::now();
    for (task, outcome) in tasks.iter_mut().zip(&outcomes) {
        if let (DeviceOutcome::Written(entry), Some(rec)) = (outcome, task.record.as_mut()) {
            rec.device_id = Some(entry.id.clone());
            rec.device_version = Some(entry.version.clone());
        }
    }
    store.write(|tx| {
        for (task, outcome) in tasks.iter().zip(&outcomes) {
            match outcome {
                DeviceOutcome::Written(_) => {
                    if let Some(rec) = &task.record {
                        tx.save_item(rec)?;
                    }
                }
                DeviceOutcome::Deleted => {
                    if let Some(row) = task.delete_row {
                        tx.delete_item(row)?;
                    }
                }
                DeviceOutcome::Failed(_) => {}
            }
        }
        Ok(())
    })?;
    log::debug!(
        "device batch of {}: written in {device_ms} ms, recorded in {} ms",
        tasks.len(),
        started.elapsed().as_millis()
    );
    for (task, outcome) in tasks.iter().zip(outcomes) {
        match outcome {
            DeviceOutcome::Failed(msg) => report
                .errors
                .push(format!("device write failed for {}: {msg}", task.uid)),
            _ => match task.count {
                Count::Added => report.device.added += 1,
                Count::Updated => report.device.updated += 1,
                Count::Deleted => report.device.deleted += 1,
            },
        }
    }
    progress.advance(tasks.len() as u64);
    Ok(())
}

/// Records the server side of `item` in `rec` (its text read back if it was set aside).
pub(crate) fn set_server(rec: &mut ItemRecord, item: &ServerItem) -> Result<()> {
    rec.uid = item.uid.clone();
    rec.href = Some(item.href.clone());
    rec.etag = Some(item.etag.clone());
    rec.server_ics = Some(item.ics.read()?.into_owned());
    rec.server_fp = Some(item.fp.clone());
    Ok(())
}

/// Records the device side of `d` in `rec`.
pub(crate) fn set_device(rec: &mut ItemRecord, d: &super::detect::DeviceEvent) {
    rec.uid = d.event.uid.clone();
    rec.device_id = Some(d.entry.id.clone());
    rec.device_version = Some(d.entry.version.clone());
    rec.device_fp = Some(d.fp.clone());
}

/// Applies the plan steps that change only the store (link, refresh, forget) in one
/// transaction; `base` gives the row an action starts from.
pub(crate) fn apply_store_only(
    store: &mut SqliteStore,
    actions: &[super::plan::Action],
    base: &dyn Fn(Option<i64>) -> ItemRecord,
) -> Result<()> {
    use super::plan::Action;
    store.write(|tx| {
        for a in actions {
            match a {
                Action::Link {
                    row,
                    device: d,
                    item,
                } => {
                    let mut rec = base(*row);
                    set_server(&mut rec, item)?;
                    set_device(&mut rec, d);
                    tx.save_item(&rec)?;
                }
                Action::Refresh {
                    row,
                    item,
                    device: d,
                } => {
                    let mut rec = base(Some(*row));
                    if let Some(item) = item {
                        set_server(&mut rec, item)?;
                    }
                    if let Some(entry) = d {
                        rec.device_version = Some(entry.version.clone());
                    }
                    tx.save_item(&rec)?;
                }
                Action::Forget { row } => tx.delete_item(*row)?,
                _ => {}
            }
        }
        Ok(())
    })
}
