//! A small crate with the mistakes Rust practices look for (smoke corpus).
use std::collections::HashMap;

pub fn parse(input: &str) -> u32 {
    // TODO: report errors instead of panicking
    let value = input.trim().parse::<u32>().unwrap();
    println!("parsed {}", value);
    dbg!(value);
    value
}

pub fn lookup(map: &HashMap<String, String>, key: &str) -> String {
    let found = map.get(key).expect("missing key").clone();
    if found.len() == 0 {
        panic!("empty value for {}", key);
    }
    found
}

pub fn unsafe_read(ptr: *const u8) -> u8 {
    unsafe { *ptr }
}

#[allow(dead_code)]
fn unfinished() {
    todo!()
}
