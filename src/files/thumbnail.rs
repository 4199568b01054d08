//! Thumbnails of uploaded images: decoded (JPEG, PNG, GIF, WebP), scaled
//! to fit the asked box keeping the aspect ratio, and encoded as JPEG (PNG
//! when the image has transparency).

use image::{DynamicImage, ImageFormat};
use std::io::Cursor;

/// Images at most this big get no thumbnail (Easemob's 10 KB).
pub const MIN_BYTES: usize = 10 * 1024;
/// The box when the upload names none.
pub const DEFAULT_SIDE: u32 = 170;
/// Largest box a client may ask for.
pub const MAX_SIDE: u32 = 1024;
/// Largest image (in pixels) decoded for a thumbnail: bounds the memory a
/// decode may take.
const MAX_PIXELS: u64 = 40_000_000;

/// The thumbnail of `bytes` and its content type, if they are an image
/// this can decode.
pub fn make(bytes: &[u8], width: u32, height: u32) -> Option<(Vec<u8>, &'static str)> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let (w, h) = reader.into_dimensions().ok()?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return None;
    }
    let img = image::load_from_memory(bytes).ok()?;
    let thumb = img.thumbnail(width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
    let (format, content_type, thumb) = if thumb.color().has_alpha() {
        (ImageFormat::Png, "image/png", thumb)
    } else {
        (
            ImageFormat::Jpeg,
            "image/jpeg",
            DynamicImage::ImageRgb8(thumb.to_rgb8()),
        )
    };
    let mut out = Cursor::new(Vec::new());
    thumb.write_to(&mut out, format).ok()?;
    Some((out.into_inner(), content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_image_gets_a_small_thumbnail_and_garbage_none() {
        let img = image::RgbImage::from_fn(800, 600, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        });
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut png, ImageFormat::Png)
            .unwrap();
        let png = png.into_inner();
        let (thumb, ct) = make(&png, 170, 170).unwrap();
        assert_eq!(ct, "image/jpeg");
        assert!(thumb.len() < png.len());
        let t = image::load_from_memory(&thumb).unwrap();
        assert_eq!((t.width(), t.height()), (170, 128));
        assert!(make(b"not an image at all", 170, 170).is_none());
    }
}
