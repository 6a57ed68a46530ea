//! Reader throughput: `cargo bench -p notice`. Prints the median MB/s over the seed and the corpus (each
//! notice parsed as a whole, as the product does), and over one long text built by repeating the seed, to
//! show the time grows linearly with the input.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = vec![
        std::fs::read_to_string(root.join("../../../shared/seed/qingfeng-2021-safety-month-notice.txt"))
            .unwrap_or_else(|_| include_str!("../tests/corpus/seed.txt").to_owned()),
    ];
    if let Ok(dir) = std::fs::read_dir(root.join("tests/corpus")) {
        let mut paths: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
            if let Ok(t) = std::fs::read_to_string(p) {
                texts.push(t);
            }
        }
    }
    texts
}

/// Median throughput in MB/s of `rounds` runs of `f` over `bytes` bytes.
fn measure(bytes: usize, rounds: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut runs: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    bytes as f64 / runs[rounds / 2].as_secs_f64() / 1e6
}

fn main() {
    let texts = texts();
    let total: usize = texts.iter().map(String::len).sum();
    // Enough passes over the corpus for ~4 MB a round.
    let passes = (4_000_000 / total.max(1)).max(1);
    let corpus = measure(total * passes, 15, || {
        for _ in 0..passes {
            for t in &texts {
                black_box(notice::read(black_box(t)));
            }
        }
    });
    println!("corpus: {} notices, {} KB, {passes} passes a round: median {corpus:.1} MB/s", texts.len(), total / 1000);

    for size_mb in [1usize, 4, 16] {
        let mut long = String::new();
        while long.len() < size_mb * 1_000_000 {
            long.push_str(&texts[0]);
            long.push('\n');
        }
        let mbs = measure(long.len(), 7, || {
            black_box(notice::read(black_box(&long)));
        });
        println!("one text of {size_mb:>2} MB (the seed repeated): median {mbs:.1} MB/s");
    }
}
