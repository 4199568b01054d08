// Helpers of tests/browser/demo.js: an image to upload and the page's
// accessibility check.
'use strict';

const fs = require('fs');
const zlib = require('zlib');

/** A PNG of noise (so it stays large compressed: the server thumbnails
 * images over 10 KB), written with Node's zlib. */
function noisePng(file, width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    if (i % (width * 3 + 1) === 0) { raw[i] = 0; continue; }
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    raw[i] = x >> 16;
  }
  fs.writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

/** What the page shows that breaks the basics of accessible markup: a
 * form field without a label, a button or image without a name, or text
 * under WCAG AA contrast (4.5:1, 3:1 for large text) on its background. */
function a11yProblems(u, where) {
  return u.page.evaluate((where) => {
    const problems = [];
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const name = (e) => (e.getAttribute('aria-label') || e.textContent || e.getAttribute('title') || '').trim();
    for (const f of document.querySelectorAll('input, textarea, select')) {
      if (!f.labels.length && !f.getAttribute('aria-label')) problems.push(where + ': no label for #' + f.id);
    }
    for (const b of document.querySelectorAll('button')) {
      if (visible(b) && !name(b)) problems.push(where + ': a button without a name: ' + b.outerHTML.slice(0, 80));
    }
    for (const i of document.querySelectorAll('img')) {
      if (visible(i) && !i.hasAttribute('alt')) problems.push(where + ': an image without alt');
    }
    const rgba = (s) => {
      const m = s.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1].split(',').map(parseFloat);
      return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
    };
    const lum = (rgb) => {
      const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (e) => {
      for (; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c.rgb;
      }
      return [255, 255, 255];
    };
    for (const e of document.querySelectorAll('body *')) {
      const text = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!text || !visible(e) || e.closest('[disabled]')) continue;
      const st = getComputedStyle(e);
      const fg = rgba(st.color).rgb, bg = background(e);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) problems.push(where + ': contrast ' + ratio.toFixed(2) + ' for "' + e.textContent.trim().slice(0, 30) + '"');
    }
    return problems;
  }, where);
}

module.exports = { noisePng, a11yProblems };
