//! libFuzzer target: `imcloud::fuzz::stored` on whatever bytes it is given.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imcloud::fuzz::stored(data));
