#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| queries::console::engine::fuzz_gate(data));
