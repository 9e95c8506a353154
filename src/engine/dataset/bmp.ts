/**
 * A tiny BMP decoder: the prebuilt sharp/libvips has no BMP loader (`sharp.format.magick.input.file` is false),
 * and BMP still turns up in X-ray exports. Handles the uncompressed variants — 1/4/8-bit palette, 16-bit
 * (5-5-5 or bit fields), 24-bit and 32-bit (BGRX or bit fields), bottom-up or top-down. RLE-compressed and
 * embedded JPEG/PNG BMPs are rejected as unsupported. Alpha is dropped (the engine feeds RGB to the nets).
 */

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  /** 1 when every palette entry is grey (common for X-rays), else 3. */
  channels: 1 | 3;
}

/** Thrown for a BMP variant this decoder does not read; `kind` tells truncation apart from the rest. */
export class BmpError extends Error {
  constructor(message: string, readonly kind: 'truncated' | 'unsupported' | 'corrupt') {
    super(message);
    this.name = 'BmpError';
  }
}

const BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6;

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

/** Width, height and channel count from the header only (no pixel data read). */
export function readBmpHeader(buf: Buffer): { width: number; height: number; bitsPerPixel: number; channels: 1 | 3 } {
  const h = parseHeader(buf);
  return { width: h.width, height: h.height, bitsPerPixel: h.bpp, channels: h.palette && isGreyPalette(h.palette) ? 1 : 3 };
}

export function decodeBmp(buf: Buffer): RawImage {
  const h = parseHeader(buf);
  const { width, height, bpp } = h;
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (h.dataOffset + rowBytes * height > buf.length) throw new BmpError('BMP pixel data is truncated', 'truncated');
  const grey = h.palette !== undefined && isGreyPalette(h.palette);
  const channels = grey ? 1 : 3;
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const srcRow = h.dataOffset + (h.topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (h.palette) {
        const idx = paletteIndex(buf, srcRow, x, bpp);
        const entry = h.palette[idx] ?? h.palette[0];
        if (grey) out[o] = entry[0];
        else { out[o] = entry[0]; out[o + 1] = entry[1]; out[o + 2] = entry[2]; }
      } else if (h.masks) {
        const v = bpp === 16 ? buf.readUInt16LE(srcRow + x * 2) : buf.readUInt32LE(srcRow + x * 4);
        out[o] = h.masks[0](v); out[o + 1] = h.masks[1](v); out[o + 2] = h.masks[2](v);
      } else {
        const p = srcRow + x * (bpp / 8); // 24 or 32 bits, stored B, G, R(, X)
        out[o] = buf[p + 2]; out[o + 1] = buf[p + 1]; out[o + 2] = buf[p];
      }
    }
  }
  return { data: out, width, height, channels };
}

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bpp: number;
  dataOffset: number;
  palette?: [number, number, number][];
  masks?: [(v: number) => number, (v: number) => number, (v: number) => number];
}

function parseHeader(buf: Buffer): Header {
  if (!isBmp(buf) || buf.length < 26) throw new BmpError('not a BMP file or header truncated', buf.length < 26 ? 'truncated' : 'corrupt');
  const dataOffset = buf.readUInt32LE(10);
  const dibSize = buf.readUInt32LE(14);
  const core = dibSize === 12;
  if (!core && dibSize < 40) throw new BmpError(`unknown BMP header size ${dibSize}`, 'unsupported');
  if (buf.length < 14 + dibSize) throw new BmpError('BMP header is truncated', 'truncated');
  const width = core ? buf.readUInt16LE(18) : buf.readInt32LE(18);
  const rawHeight = core ? buf.readInt16LE(20) : buf.readInt32LE(22);
  const bpp = core ? buf.readUInt16LE(24) : buf.readUInt16LE(28);
  const compression = core ? BI_RGB : buf.readUInt32LE(30);
  if (width <= 0 || rawHeight === 0) throw new BmpError(`invalid BMP size ${width}x${rawHeight}`, 'corrupt');
  const h: Header = { width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bpp, dataOffset };
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpError(`${bpp}-bit BMP is not supported`, 'unsupported');
  const bitFields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression !== BI_RGB && !(bitFields && (bpp === 16 || bpp === 32))) {
    throw new BmpError(`compressed BMP (compression type ${compression}) is not supported`, 'unsupported');
  }
  if (bpp <= 8) {
    const entrySize = core ? 3 : 4;
    const used = core ? 0 : buf.readUInt32LE(46);
    const count = used > 0 && used <= 1 << bpp ? used : 1 << bpp;
    const start = 14 + dibSize;
    if (start + count * entrySize > buf.length) throw new BmpError('BMP palette is truncated', 'truncated');
    h.palette = [];
    for (let i = 0; i < count; i++) {
      const p = start + i * entrySize;
      h.palette.push([buf[p + 2], buf[p + 1], buf[p]]);
    }
  } else if (bitFields || bpp === 16) {
    // Masks sit right after a 40-byte header, or inside a V4/V5 header at the same offset.
    const m = bitFields ? [buf.readUInt32LE(54), buf.readUInt32LE(58), buf.readUInt32LE(62)] : [0x7c00, 0x03e0, 0x001f];
    h.masks = [maskReader(m[0]), maskReader(m[1]), maskReader(m[2])];
  }
  return h;
}

function paletteIndex(buf: Buffer, rowStart: number, x: number, bpp: number): number {
  if (bpp === 8) return buf[rowStart + x];
  const perByte = 8 / bpp;
  const byte = buf[rowStart + Math.floor(x / perByte)];
  const shift = 8 - bpp * ((x % perByte) + 1);
  return (byte >> shift) & ((1 << bpp) - 1);
}

/** Extract a channel given its bit mask, scaled to 0..255. */
function maskReader(mask: number): (v: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (v: number) => Math.round((((v & mask) >>> shift) * 255) / max);
}

function isGreyPalette(p: [number, number, number][]): boolean {
  return p.every(([r, g, b]) => r === g && g === b);
}
