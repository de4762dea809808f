// Draws the extension's toolbar icons (a padlock over a speed gauge's arc) as PNG files at
// 16, 32, 48 and 128 px with nothing but node:zlib, so no image tool is needed to rebuild
// them: `node scripts/make-icons.mjs`.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const SIZES = [16, 32, 48, 128];
const OUT = 'src/extension/icons';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** PNG (RFC 2083): 8-bit RGBA, filter 0 on every row. */
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Shapes in a unit square (0..1), as signed distances: negative inside. */
function roundedBox(px, py, cx, cy, hw, hh, r) {
  const qx = Math.abs(px - cx) - hw + r;
  const qy = Math.abs(py - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function ring(px, py, cx, cy, radius, width) {
  return Math.abs(Math.hypot(px - cx, py - cy) - radius) - width / 2;
}

const BLUE = [31, 95, 191];
const WHITE = [255, 255, 255];
const RED = [242, 139, 130];

function shade(u, v) {
  const bg = roundedBox(u, v, 0.5, 0.5, 0.5, 0.5, 0.2);
  const body = roundedBox(u, v, 0.5, 0.62, 0.26, 0.2, 0.05);
  const shackle = v < 0.45 ? ring(u, v, 0.5, 0.42, 0.15, 0.07) : Infinity;
  const keyhole = Math.hypot(u - 0.5, v - 0.6) - 0.05;
  const slow = v > 0.86 && v < 0.92 && u > 0.24 && u < 0.76 ? -1 : 1;
  if (bg > 0) return null;
  if (keyhole < 0) return BLUE;
  if (body < 0 || shackle < 0) return WHITE;
  if (slow < 0) return RED;
  return BLUE;
}

mkdirSync(OUT, { recursive: true });
for (const size of SIZES) {
  // 4x4 supersampling for smooth edges at 16 px.
  const image = png(size, (x, y) => {
    let r = 0;
    let g = 0;
    let b = 0;
    let a = 0;
    for (let sy = 0; sy < 4; sy++) {
      for (let sx = 0; sx < 4; sx++) {
        const c = shade((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
        if (!c) continue;
        r += c[0];
        g += c[1];
        b += c[2];
        a += 1;
      }
    }
    return a ? [Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((a / 16) * 255)] : [0, 0, 0, 0];
  });
  writeFileSync(`${OUT}/icon-${size}.png`, image);
}
console.log(`wrote ${SIZES.map((s) => `icon-${s}.png`).join(', ')} to ${OUT}`);
