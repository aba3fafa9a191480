//! Independent work split over a few threads, results in input order: what a first
//! download does for each of thousands of events (parse, fingerprint, write a file).

use std::sync::mpsc;
use std::thread;

/// Most threads used, whatever the machine has.
const MAX_THREADS: usize = 4;
/// Results [`streamed`] hands over at a time (one wake-up of the caller each) ...
const STREAM_CHUNK: usize = 32;
/// ... and chunks it makes ahead of the caller at most.
const AHEAD: usize = 4;

/// `f` of every item, in order, on up to four threads (the calling one included) with at
/// least `min_per_thread` items each. A thread that cannot be started leaves its share to
/// the calling thread; a panic in `f` is resumed on the calling thread.
pub(crate) fn map_ordered<T, R, F>(items: Vec<T>, min_per_thread: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let threads = thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
    let per_thread = items.len().div_ceil(threads).max(min_per_thread.max(1));
    let mut rest = items;
    let mut shares = Vec::new();
    while rest.len() > per_thread {
        let tail = rest.split_off(per_thread);
        shares.push(std::mem::replace(&mut rest, tail));
    }
    shares.push(rest);
    let f = &f;
    let run = move |share: Vec<T>| share.into_iter().map(f).collect::<Vec<R>>();
    let mut shares = shares.into_iter();
    let first = shares.next().unwrap_or_default();
    thread::scope(|scope| {
        enum Part<R, H> {
            Done(R),
            Running(H),
        }
        let others: Vec<_> = shares
            .map(|share| {
                // The share is sent once the thread runs, so a thread that cannot be
                // started leaves it here.
                let (tx, rx) = mpsc::channel::<Vec<T>>();
                let spawned = thread::Builder::new()
                    .name("synchro-worker".into())
                    .spawn_scoped(scope, move || run(rx.recv().unwrap_or_default()));
                match spawned {
                    Ok(handle) => {
                        let _ = tx.send(share);
                        Part::Running(handle)
                    }
                    Err(_) => Part::Done(run(share)),
                }
            })
            .collect();
        let mut out = run(first);
        for other in others {
            out.extend(match other {
                Part::Done(done) => done,
                Part::Running(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            });
        }
        out
    })
}

/// Runs `body` on the calling thread with the results of `f` on each item, in order, made
/// meanwhile on a thread of its own: `body` takes each as soon as it is ready (and may do
/// other work first). For results a step bound to the calling thread consumes one at a time.
/// Without a thread, the results are made as `body` asks for them. A panic in `f` is resumed
/// on the calling thread when `body` asks for that result.
pub(crate) fn streamed<'i, T, R, F, O>(
    items: &'i [T],
    f: F,
    body: impl FnOnce(&mut dyn Iterator<Item = R>) -> O,
) -> O
where
    T: Sync,
    R: Send,
    F: Fn(&'i T) -> R + Sync,
{
    let f = &f;
    thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<R>>(AHEAD);
        let spawned = thread::Builder::new()
            .name("synchro-worker".into())
            .spawn_scoped(scope, move || {
                for chunk in items.chunks(STREAM_CHUNK) {
                    // The caller stopped taking results: nothing more to make.
                    if tx.send(chunk.iter().map(f).collect()).is_err() {
                        break;
                    }
                }
            });
        match spawned {
            Ok(maker) => body(&mut Streamed {
                rx,
                chunk: Vec::new().into_iter(),
                maker: Some(maker),
                left: items.len(),
            }),
            Err(_) => body(&mut items.iter().map(f)),
        }
    })
}

/// The results of [`streamed`] as they come.
struct Streamed<'scope, R> {
    rx: mpsc::Receiver<Vec<R>>,
    /// The rest of the chunk received last.
    chunk: std::vec::IntoIter<R>,
    maker: Option<thread::ScopedJoinHandle<'scope, ()>>,
    left: usize,
}

impl<R> Iterator for Streamed<'_, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        if self.left == 0 {
            return None;
        }
        if self.chunk.len() == 0 {
            match self.rx.recv() {
                Ok(chunk) => self.chunk = chunk.into_iter(),
                // The maker stopped before the end: it panicked.
                Err(_) => {
                    if let Some(Err(panic)) = self.maker.take().map(thread::ScopedJoinHandle::join)
                    {
                        std::panic::resume_unwind(panic);
                    }
                    return None;
                }
            }
        }
        let result = self.chunk.next()?;
        self.left -= 1;
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_input_order_whatever_the_split() {
        for n in [0, 1, 7, 100, 1001] {
            let items: Vec<u64> = (0..n).collect();
            for min in [1, 3, 50, 10_000] {
                let out = map_ordered(items.clone(), min, |x| x * 2);
                assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn large_inputs_are_shared_between_threads() {
        let ids = map_ordered((0..64).collect::<Vec<u32>>(), 1, |_| thread::current().id());
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        let expected = thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
        assert_eq!(distinct.len(), expected);
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            map_ordered((0..100).collect::<Vec<u32>>(), 1, |x| {
                assert!(x != 99, "item 99");
                x
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    fn streamed_results_come_in_order_from_another_thread() {
        let caller = thread::current().id();
        for n in [0usize, 1, 7, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let out = streamed(
                &items,
                |x| (x * 2, thread::current().id()),
                |results| results.collect::<Vec<_>>(),
            );
            assert_eq!(out.len(), n);
            for (i, (double, made_by)) in out.into_iter().enumerate() {
                assert_eq!(double, i * 2);
                assert_ne!(made_by, caller);
            }
        }
    }

    #[test]
    fn a_body_that_stops_early_stops_the_maker() {
        let items: Vec<u32> = (0..10_000).collect();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let first = streamed(
            &items,
            |x| {
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *x
            },
            |results| results.take(3).collect::<Vec<_>>(),
        );
        assert_eq!(first, [0, 1, 2]);
        // At most the chunks waiting in the channel, the one taken, the one being sent and
        // the one being made.
        assert!(made.into_inner() <= (AHEAD + 3) * STREAM_CHUNK);
    }

    #[test]
    fn a_panic_in_the_maker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            streamed(
                &items,
                |x| {
                    assert!(*x != 50, "item 50");
                    *x
                },
                |results| results.count(),
            )
        });
        assert!(caught.is_err());
    }
}
