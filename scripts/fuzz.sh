#!/usr/bin/env bash
# Coverage-guided fuzzing of imcloud's input decoders with libFuzzer, on
# the stable toolchain (no cargo-fuzz or nightly needed: the instrumentation
# cargo-fuzz would ask for is passed as RUSTFLAGS).
#
#   scripts/fuzz.sh [seconds per target] [target ...]
#
# Targets: ws_frame msync_frame message_body stored (all by default).
# Corpora are kept in fuzz/corpus/<target> (not committed) so later runs
# go on from where earlier ones stopped; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the script. Prints one line per
# target: runs, corpus size, coverage, and the verdict.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ws_frame msync_frame message_body stored)

host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares"
# --target keeps the flags off build scripts and proc macros.
cargo build --release --target "$host" --bins

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="artifacts/$t/last-run.log"
    if "target/$host/release/$t" "corpus/$t" \
        -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
        verdict="no crash"
    else
        verdict="CRASH (input in fuzz/artifacts/$t/)"
        status=1
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
    files="$(find "corpus/$t" -type f | wc -l)"
    echo "$t: ${secs}s, ${runs:-?} runs, corpus ${files} inputs, ${cov:-cov: ?}: $verdict"
done
exit $status
