//! libFuzzer target: `imcloud::fuzz::msync_frame` on whatever bytes it is given.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imcloud::fuzz::msync_frame(data));
