//! Evidence a reviewer can trust: what a photo says about itself (EXIF capture time and place) and a
//! thumbnail small enough for a phone on a rural connection. Read once, by a background job, with
//! limits against decompression bombs.

use std::io::Cursor;

use image::{ImageDecoder, ImageReader, Limits};
use store::files::{FileMeta, kinds};
use uuid::Uuid;

use crate::{App, Error, Result};

/// Photos larger than this are kept as they are, without a thumbnail.
const MAX_PHOTO_BYTES: u64 = 40 << 20;
/// The longest side of a thumbnail.
const THUMB_SIDE: u32 = 480;

/// Types that get a thumbnail (HEIC would need libheif: kept without one).
pub fn wants_reading(content_type: &str) -> bool {
    [kinds::JPEG, kinds::PNG, kinds::WEBP, kinds::GIF].contains(&content_type)
}

/// What the EXIF block says: capture time as written, place in degrees, and the orientation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exif {
    pub taken_at: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub orientation: Option<u8>,
}

/// Reads EXIF from a JPEG (or any container kamadak-exif knows); nothing when there is none.
pub fn read_exif(bytes: &[u8]) -> Exif {
    let Ok(found) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else { return Exif::default() };
    let ascii = |tag| match found.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(v)) => v.first().map(|s| String::from_utf8_lossy(s).trim().to_owned()),
        _ => None,
    };
    let degrees = |tag, reference, negative: &str| {
        let value = match found.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
            Some(exif::Value::Rational(r)) if r.len() == 3 && r.iter().all(|x| x.denom != 0) => {
                r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0
            }
            _ => return None,
        };
        let sign = if ascii(reference).is_some_and(|s| s.eq_ignore_ascii_case(negative)) { -1.0 } else { 1.0 };
        Some(sign * value).filter(|v: &f64| v.is_finite() && v.abs() <= 180.0)
    };
    let taken_at = ascii(exif::Tag::DateTimeOriginal).or_else(|| ascii(exif::Tag::DateTime)).and_then(|s| {
        // "2026:06:16 09:30:12" → "2026-06-16 09:30:12"; anything else is not a time.
        let t = chrono::NaiveDateTime::parse_from_str(&s, "%Y:%m:%d %H:%M:%S").ok()?;
        Some(t.format("%Y-%m-%d %H:%M:%S").to_string())
    });
    let orientation = found
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|o| u8::try_from(o).ok());
    Exif {
        taken_at,
        latitude: degrees(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, "S"),
        longitude: degrees(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, "W"),
        orientation,
    }
}

/// A photo decoded within limits against decompression bombs, turned the way the camera was held.
pub fn decode_upright(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_000);
    limits.max_image_height = Some(16_000);
    limits.max_alloc = Some(512 << 20);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// A JPEG thumbnail (longest side 480 px, turned the way the camera was held) and the photo's size.
pub fn thumbnail(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let img = decode_upright(bytes)?;
    let (w, h) = (img.width(), img.height());
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&thumb).map_err(|e| e.to_string())?;
    Ok((out, w, h))
}

/// Reads a stored photo: EXIF, size, thumbnail. A photo that cannot be decoded is recorded as such
/// (the reviewer sees why there is no thumbnail), never an error that retries forever.
pub async fn read_file(app: &App, file_id: Uuid) -> Result<FileMeta> {
    let file = store::files::get(&app.db, file_id).await?.ok_or(Error::NotFound)?;
    let mut meta = FileMeta { file_id, processed_at: store::now(), ..FileMeta::default() };
    let bytes = match app.files.read_small(&file.sha256, MAX_PHOTO_BYTES).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            meta.error = Some("照片过大，未生成缩略图".into());
            return Ok(meta);
        }
        Err(e) => return Err(Error::Internal(format!("reading blob {}: {e}", file.sha256))),
    };
    let (exif, made) = tokio::task::spawn_blocking(move || (read_exif(&bytes), thumbnail(&bytes)))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    meta.taken_at = exif.taken_at;
    meta.latitude = exif.latitude;
    meta.longitude = exif.longitude;
    match made {
        Ok((thumb, w, h)) => {
            let blob = app.files.put(&thumb, "thumb.jpg", &[kinds::JPEG]).await?;
            meta.thumb_sha256 = Some(blob.sha256);
            meta.width = i32::try_from(w).ok();
            meta.height = i32::try_from(h).ok();
        }
        Err(e) => meta.error = Some(format!("无法解码图片：{e}")),
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 80, 60]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out
    }

    #[test]
    fn a_thumbnail_keeps_the_shape_and_is_at_most_480_pixels() {
        let (thumb, w, h) = thumbnail(&jpeg(1600, 1200)).unwrap();
        assert_eq!((w, h), (1600, 1200));
        let t = image::load_from_memory(&thumb).unwrap();
        assert_eq!((t.width(), t.height()), (480, 360));
    }

    #[test]
    fn a_file_that_is_not_an_image_says_so_instead_of_failing() {
        let e = thumbnail(b"\xFF\xD8\xFF\xE0 not really a jpeg").unwrap_err();
        assert!(e.to_lowercase().contains("jpeg"), "the decoder's own reason: {e}");
        assert_eq!(read_exif(b"plain text"), Exif::default());
    }
}
