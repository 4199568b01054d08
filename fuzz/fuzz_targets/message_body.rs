//! libFuzzer target: `imcloud::fuzz::message_body` on whatever bytes it is given.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imcloud::fuzz::message_body(data));
