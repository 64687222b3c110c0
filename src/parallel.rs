//! When to use the second core: only for runs long enough to repay it.
//!
//! Rules and chart panels run side by side on long runs (millions of points).
//! On the usual log of a few thousand points, starting worker threads costs
//! more than it saves, so the same work runs in order on the calling thread.
//!
//! ```
//! use curvecheck::parallel::join;
//! let (a, b) = join(false, || 1 + 1, || 2 * 2);
//! assert_eq!((a, b), (2, 4));
//! ```

use crate::model::Run;

/// Points in a run (all series together) from which work is split across threads.
pub const PARALLEL_POINTS: usize = 200_000;

/// Whether a run is long enough for its rules and chart to be worth splitting across threads.
pub fn worth_it(run: &Run) -> bool {
    run.series.iter().map(|s| s.len()).sum::<usize>() >= PARALLEL_POINTS
}

/// Bytes of a text file from which a reader parses it in parts side by side (about 100k rows of a typical log).
pub const PARALLEL_BYTES: usize = 4 << 20;

/// Into how many parts a reader cuts `bytes` of text: one per core for large files, else one.
pub fn parts_for_bytes(bytes: usize) -> usize {
    if bytes >= PARALLEL_BYTES {
        rayon::current_num_threads().max(1)
    } else {
        1
    }
}

/// Runs `a` and `b` side by side (rayon) when `parallel`, else one after the other.
pub fn join<A, B, RA, RB>(parallel: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if parallel {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}
