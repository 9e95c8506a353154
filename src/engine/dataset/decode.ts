/**
 * Open one image file for sharp: sniff the real format from its first bytes (a text file renamed .jpg is
 * caught here, not deep inside libvips), route BMP through our own reader, and describe the pixels
 * (grey or colour) so callers can decode grey as one channel and replicate it themselves.
 */
import { promises as fs } from 'node:fs';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { BmpError, decodeBmp, isBmp, readBmpHeader } from './bmp';

export type SniffedFormat = 'png' | 'jpeg' | 'bmp' | 'tiff' | 'webp';

/** Extensions the scanner treats as images. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'];

/** Why a file cannot be used; `kind` is the HealthIssue kind. */
export class ImageDecodeError extends Error {
  constructor(message: string, readonly kind: 'empty-file' | 'not-image' | 'truncated' | 'unreadable' | 'unsupported-format') {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface ImageInfo {
  format: SniffedFormat;
  width: number;
  height: number;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA/CMYK); palette PNGs report their palette's 3 or 4. */
  channels: number;
  /** True when the pixels are grey: decode one channel and replicate it. */
  grey: boolean;
  bytes: number;
}

export interface OpenedImage {
  info: ImageInfo;
  /** A fresh sharp pipeline on the decoded source (call once per output). */
  pipeline(): Sharp;
  /** sharp colour space of the source ('b-w', 'srgb', 'cmyk', ...). */
  space: string;
}

export function sniffFormat(buf: Uint8Array): SniffedFormat | undefined {
  const b = buf;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (isBmp(b) && b.length >= 14) return 'bmp';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return 'tiff';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/**
 * Read and identify an image. With `verify`, every pixel is decoded (sharp `failOn: 'truncated'`), so a file
 * cut short is caught now rather than mid-epoch; without it only the header is read.
 */
export async function openImage(file: string, verify = false): Promise<OpenedImage> {
  const buf = await fs.readFile(file);
  if (buf.length === 0) throw new ImageDecodeError('is empty (0 bytes)', 'empty-file');
  const format = sniffFormat(buf);
  if (!format) {
    throw new ImageDecodeError(looksLikeText(buf) ? 'is a text file, not an image' : 'is not a PNG, JPEG, BMP, TIFF or WebP image', 'not-image');
  }
  return format === 'bmp' ? openBmp(buf, verify) : openWithSharp(buf, format, verify);
}

async function openWithSharp(buf: Buffer, format: SniffedFormat, verify: boolean): Promise<OpenedImage> {
  // ignoreIcc: keep the stored pixel values, as PIL/torchvision do; applying an embedded grey-gamma profile
  // (common in Kermany JPEGs) shifted a radiograph's mean from 135 to 149.
  const make = () => sharp(buf, { failOn: 'truncated', ignoreIcc: true });
  let meta: Metadata;
  try {
    meta = await make().metadata();
  } catch (e) {
    throw new ImageDecodeError(`could not be read as ${format.toUpperCase()} (${errorText(e)})`, 'unreadable');
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError(`has no size in its ${format.toUpperCase()} header`, 'unreadable');
  if (verify) {
    try {
      await make().extractChannel(0).raw().toBuffer();
    } catch (e) {
      throw new ImageDecodeError(`is truncated or corrupt: its header reads but its pixels do not decode (${errorText(e)})`, 'truncated');
    }
  }
  const space = meta.space ?? 'srgb';
  const info: ImageInfo = {
    format,
    width: meta.width,
    height: meta.height,
    channels: meta.channels ?? 3,
    grey: space === 'b-w' || space === 'grey16',
    bytes: buf.length,
  };
  return { info, space, pipeline: make };
}

function openBmp(buf: Buffer, verify: boolean): OpenedImage {
  const fail = (e: unknown): never => {
    if (e instanceof BmpError) {
      const kind = e.kind === 'unsupported' ? 'unsupported-format' : e.kind === 'truncated' ? 'truncated' : 'unreadable';
      throw new ImageDecodeError(`is a BMP this reader cannot use (${e.message})`, kind);
    }
    throw e;
  };
  let header: ReturnType<typeof readBmpHeader>;
  try {
    header = readBmpHeader(buf);
  } catch (e) {
    return fail(e);
  }
  let decoded: ReturnType<typeof decodeBmp> | undefined;
  const decode = () => {
    try {
      decoded ??= decodeBmp(buf);
      return decoded;
    } catch (e) {
      return fail(e);
    }
  };
  if (verify) decode();
  const info: ImageInfo = { format: 'bmp', width: header.width, height: header.height, channels: header.channels, grey: header.channels === 1, bytes: buf.length };
  return {
    info,
    space: header.channels === 1 ? 'b-w' : 'srgb',
    pipeline: () => {
      const raw = decode();
      return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
    },
  };
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** Mostly printable ASCII in the first bytes: a text file with an image extension. */
function looksLikeText(buf: Buffer): boolean {
  const head = buf.subarray(0, 512);
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127)) printable++;
  return printable / head.length > 0.9;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
