//! Reporters' photos and videos lose what could identify the reporter before a byte is stored: photos are
//! decoded and written anew (no EXIF, GPS, maker notes, XMP, comments, nor anything appended after the
//! image), turned the way the camera was held; in a video every metadata box (`udta`, `meta`, `uuid`) is
//! blanked in place and trailing bytes are cut, so the media data and its offsets stay as they were.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use store::files::kinds;

/// What a reporter may attach.
pub const PHOTO_TYPES: &[&str] = &[kinds::JPEG, kinds::PNG, kinds::WEBP, kinds::GIF];
pub const VIDEO_TYPES: &[&str] = &[kinds::MP4, kinds::MOV];

/// A photo written anew as JPEG (or PNG when it has transparency), upright, without metadata.
pub fn photo(bytes: &[u8]) -> Result<(Vec<u8>, &'static str), String> {
    let img = crate::evidence::decode_upright(bytes)?;
    let mut out = Vec::new();
    if img.color().has_alpha() {
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).map_err(|e| e.to_string())?;
        Ok((out, kinds::PNG))
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img.to_rgb8())
            .map_err(|e| e.to_string())?;
        Ok((out, kinds::JPEG))
    }
}

/// Boxes that hold metadata (titles, GPS `©xyz`, device make and model, XMP in a `uuid` box).
const METADATA_BOXES: [&[u8; 4]; 3] = [b"udta", b"meta", b"uuid"];
/// Boxes whose children are boxes and may hold metadata further down.
const CONTAINERS: [&[u8; 4]; 5] = [b"moov", b"trak", b"mdia", b"minf", b"edts"];

/// Blanks the metadata boxes of an MP4/MOV file in place (type `free`, contents zero) and cuts whatever
/// follows the last box. A file that is not a sequence of boxes is refused.
pub fn video(path: &Path) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let end = walk(&mut f, 0, len, 0)?;
    if end < len {
        f.set_len(end).map_err(|e| e.to_string())?;
    }
    f.sync_all().map_err(|e| e.to_string())
}

/// Walks the boxes in `[start, end)`; returns where the last whole box ends.
fn walk(f: &mut std::fs::File, start: u64, end: u64, depth: u32) -> Result<u64, String> {
    if depth > 8 {
        return Err("视频文件结构嵌套过深".into());
    }
    let mut at = start;
    while at + 8 <= end {
        f.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
        let mut head = [0u8; 16];
        f.read_exact(&mut head[..8]).map_err(|e| e.to_string())?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        let (size, header) = match size32 {
            0 => (end - at, 8),
            1 => {
                f.read_exact(&mut head[8..16]).map_err(|e| e.to_string())?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&head[8..16]);
                (u64::from_be_bytes(b), 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header || at + size > end {
            if depth == 0 && at > start {
                // Bytes after the last box that do not form one: cut them.
                return Ok(at);
            }
            return Err("视频文件已损坏或不完整".into());
        }
        if METADATA_BOXES.iter().any(|m| **m == kind) {
            f.seek(SeekFrom::Start(at + 4)).map_err(|e| e.to_string())?;
            f.write_all(b"free").map_err(|e| e.to_string())?;
            f.seek(SeekFrom::Start(at + header)).map_err(|e| e.to_string())?;
            let zeros = vec![0u8; 64 * 1024];
            let mut left = size - header;
            while left > 0 {
                let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
                f.write_all(&zeros[..n]).map_err(|e| e.to_string())?;
                left -= n as u64;
            }
        } else if CONTAINERS.iter().any(|c| **c == kind) {
            walk(f, at + header, at + size, depth + 1)?;
        }
        at += size;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MP4-shaped file: ftyp, moov (mvhd, udta with a GPS box, trak with meta), mdat, then junk.
    fn mp4() -> Vec<u8> {
        fn b(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
            let mut v = u32::try_from(body.len() + 8).unwrap().to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.extend_from_slice(body);
            v
        }
        let udta = b(b"udta", &b(b"\xa9xyz", b"+29.3501+105.9102/"));
        let meta = b(b"meta", b"Apple iPhone 15 serial C39XK");
        let trak = b(b"trak", &[b(b"tkhd", &[1; 12]), meta].concat());
        let moov = b(b"moov", &[b(b"mvhd", &[2; 20]), udta, trak].concat());
        [b(b"ftyp", b"isom\0\0\0\0isommp41"), moov, b(b"mdat", &[9; 64]), b"<script>x</script>".to_vec()].concat()
    }

    #[test]
    fn a_videos_gps_and_device_boxes_are_blanked_and_trailing_bytes_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        let original = mp4();
        std::fs::write(&path, &original).unwrap();
        video(&path).unwrap();
        let after = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&after);
        assert!(!text.contains("+29.3501"), "GPS left: {text}");
        assert!(!text.contains("iPhone"), "device left");
        assert!(!text.contains("<script>"), "trailing bytes left");
        assert!(text.contains("mdat") && after.windows(64).any(|w| w.iter().all(|b| *b == 9)), "media kept");
        assert_eq!(after.len(), original.len() - b"<script>x</script>".len());
    }

    #[test]
    fn a_file_that_is_not_boxes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        std::fs::write(&path, [0xff; 40]).unwrap();
        assert_eq!(video(&path), Err("视频文件已损坏或不完整".to_owned()));
        assert_eq!(std::fs::read(&path).unwrap(), [0xff; 40], "a refused file is left as it was");
    }

    #[test]
    fn a_photo_comes_back_without_exif_and_without_what_was_appended() {
        let jpeg = include_bytes!("../../web/tests/fixtures/consultation-point.jpg");
        assert!(crate::evidence::read_exif(jpeg).latitude.is_some(), "the fixture has GPS");
        let mut polyglot = jpeg.to_vec();
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let (clean, kind) = photo(&polyglot).unwrap();
        assert_eq!(kind, kinds::JPEG);
        assert_eq!(crate::evidence::read_exif(&clean), crate::evidence::Exif::default());
        assert!(!String::from_utf8_lossy(&clean).contains("<script>"));
        let e = photo(b"not an image").unwrap_err();
        assert!(e.contains("format could not be determined"), "{e}");
    }
}
