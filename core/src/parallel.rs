//! Independent work split over a few threads, results in input order: what a first
//! download does for each of thousands of events (parse, fingerprint, write a file).

use std::sync::mpsc;
use std::thread;

/// Most threads used, whatever the machine has.
const MAX_THREADS: usize = 4;

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
}
