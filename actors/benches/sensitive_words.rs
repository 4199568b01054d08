//! What the sensitive-word filter costs per message: a 200-character text
//! checked against 10,000 words (Latin and CJK), when it holds none, when
//! it holds two (replaced), and in CJK and in mixed-case Cyrillic text
//! (which is lowercased first).
//!
//! `cargo bench -p imcloud-actors --bench sensitive_words`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use imcloud_actors::words::{normalize, WordFilter};

fn words() -> Vec<String> {
    let cjk: Vec<char> = "禁词敏感违规广告赌博诈骗色情暴力".chars().collect();
    (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                format!("word{i}x")
            } else {
                let a = cjk[i % cjk.len()];
                let b = cjk[(i / cjk.len()) % cjk.len()];
                let c = cjk[(i / 7) % cjk.len()];
                format!("{a}{b}{c}{}", i % 97)
            }
        })
        .map(|w| normalize(&w).expect("a valid word"))
        .collect()
}

/// `n` characters of `base` repeated.
fn text(base: &str, n: usize) -> String {
    base.chars().cycle().take(n).collect()
}

fn bench(c: &mut Criterion) {
    let filter = WordFilter::new(words()).expect("compiles");
    let clean = text("The quick brown fox jumps over the lazy dog. ", 200);
    let mut dirty = text("The quick brown fox jumps over the lazy dog. ", 180);
    dirty.push_str(" WORD42X and word7788x");
    let cjk = text("今天天气很好我们一起去公园散步吧然后吃饭", 200);
    // Cased letters beyond ASCII: the text is lowercased first.
    let cyrillic = text("Привет Мир, Как Дела? Всё Хорошо. ", 200);
    assert_eq!(clean.chars().count(), 200);
    assert!(filter.replaced(&dirty).is_some());

    let mut g = c.benchmark_group("sensitive_words_10k");
    g.bench_function("200_chars_clean_check", |b| {
        b.iter(|| filter.finds(black_box(&clean)))
    });
    g.bench_function("200_chars_clean_replace", |b| {
        b.iter(|| filter.replaced(black_box(&clean)))
    });
    g.bench_function("200_chars_two_words_replace", |b| {
        b.iter(|| filter.replaced(black_box(&dirty)))
    });
    g.bench_function("200_chars_cjk_replace", |b| {
        b.iter(|| filter.replaced(black_box(&cjk)))
    });
    g.bench_function("200_chars_cyrillic_mixed_case_replace", |b| {
        b.iter(|| filter.replaced(black_box(&cyrillic)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
