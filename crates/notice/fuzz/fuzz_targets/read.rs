//! Any bytes: decoded (text, GBK, UTF-16, .docx) and, when they are text, read as a notice. Neither may panic
//! or hang, and every mark must point inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = match notice::decode(data) {
        Ok(text) => text,
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    };
    let reading = notice::read(&text);
    for m in &reading.marks {
        assert!(m.start < m.end && m.end <= reading.text.len());
    }
});
