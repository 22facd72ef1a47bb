/**
 * The safetensors format: 8 bytes little-endian header length N, N bytes of JSON header
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, offsets relative to
 * the end of the header), then the raw little-endian tensor bytes.
 *
 * Reading converts F32, F16 and BF16 to float32 (and I32/I64 to int32); writing is float32 and
 * atomic (a temporary file, then a rename), so an interrupted save never leaves a half-written file.
 *
 * @module model/safetensors
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic';

/** A tensor read from or written to a safetensors file. */
export interface RawTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Header entry of one tensor. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** float16 bits → float32 value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits → float32 value (the upper half of a float32). */
function bfloat16ToFloat(bits: number): number {
  bf16Scratch.setUint32(0, bits << 16);
  return bf16Scratch.getFloat32(0);
}

/** How one stored dtype is read: bytes per value, integer (→ int32) or float (→ float32), and the decoder. */
interface DtypeReader {
  bytes: number;
  integer: boolean;
  read: (buf: Buffer, offset: number) => number;
}

const DTYPES: Record<string, DtypeReader> = {
  F32: { bytes: 4, integer: false, read: (buf, o) => buf.readFloatLE(o) },
  F64: { bytes: 8, integer: false, read: (buf, o) => buf.readDoubleLE(o) },
  F16: { bytes: 2, integer: false, read: (buf, o) => halfToFloat(buf.readUInt16LE(o)) },
  BF16: { bytes: 2, integer: false, read: (buf, o) => bfloat16ToFloat(buf.readUInt16LE(o)) },
  I32: { bytes: 4, integer: true, read: (buf, o) => buf.readInt32LE(o) },
  I64: { bytes: 8, integer: true, read: (buf, o) => Number(buf.readBigInt64LE(o)) },
};

/** An open safetensors file: the header is parsed, tensors are read on demand. */
export class SafetensorsFile {
  readonly path: string;
  readonly entries: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
  private readonly dataStart: number;
  private readonly fileSize: number;

  constructor(path: string) {
    this.path = path;
    const fd = openSync(path, 'r');
    try {
      this.fileSize = fstatSync(fd).size;
      if (this.fileSize < 8)
        throw new Error(`${path}: truncated safetensors file (${this.fileSize} bytes, no header length)`);
      const lenBuf = Buffer.alloc(8);
      readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen <= 0 || 8 + headerLen > this.fileSize) {
        throw new Error(
          `${path}: truncated or corrupt safetensors file (header length ${headerLen}, file ${this.fileSize} bytes)`,
        );
      }
      const headerBuf = Buffer.alloc(headerLen);
      readSync(fd, headerBuf, 0, headerLen, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8'));
      } catch (err) {
        throw new Error(`${path}: safetensors header is not valid JSON (${(err as Error).message})`);
      }
      this.dataStart = 8 + headerLen;
      this.metadata = (header.__metadata__ as Record<string, string>) ?? {};
      this.entries = new Map();
      for (const [name, value] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        const e = value as SafetensorsEntry;
        if (!e || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || typeof e.dtype !== 'string') {
          throw new Error(`${path}: tensor '${name}' has a malformed header entry`);
        }
        const [begin, end] = e.data_offsets;
        const count = e.shape.reduce((a, d) => a * d, 1);
        const width = DTYPES[e.dtype]?.bytes;
        if (width === undefined) throw new Error(`${path}: tensor '${name}' has unsupported dtype ${e.dtype}`);
        if (end - begin !== count * width) {
          throw new Error(
            `${path}: tensor '${name}' spans ${end - begin} bytes ` +
              `but shape [${e.shape}] of ${e.dtype} needs ${count * width}`,
          );
        }
        if (this.dataStart + end > this.fileSize) {
          throw new Error(
            `${path}: truncated file: tensor '${name}' ends at byte ${this.dataStart + end}, file has ${this.fileSize}`,
          );
        }
        this.entries.set(name, e);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Reads one tensor, converted to float32 (floats) or int32 (integers). */
  read(name: string): RawTensor {
    const e = this.entries.get(name);
    if (!e) throw new Error(`${this.path}: no tensor '${name}'`);
    const [begin, end] = e.data_offsets;
    const buf = Buffer.alloc(end - begin);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.dataStart + begin);
    } finally {
      closeSync(fd);
    }
    const count = e.shape.reduce((a, d) => a * d, 1);
    const dtype = DTYPES[e.dtype];
    if (!dtype) throw new Error(`${this.path}: tensor '${name}' has unsupported dtype ${e.dtype}`);
    const data = dtype.integer ? new Int32Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = dtype.read(buf, dtype.bytes * i);
    return { shape: [...e.shape], data };
  }
}

/** The index of the first NaN or ±Infinity in `data`, or -1 when every value is finite (one pass). */
export function firstNonFinite(data: Float32Array | Int32Array): number {
  if (data instanceof Int32Array) return -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return i; // NaN - NaN and ±Infinity - ±Infinity are NaN
  }
  return -1;
}

/**
 * Rejects weights holding a NaN or ±Infinity: a model loaded from them would score every prompt
 * `null` without failing.
 * @param where how to name the place of index `i` in the error (the default: `index i`).
 * @throws naming the file, the tensor and the first bad index.
 */
export function assertFinite(
  data: Float32Array | Int32Array,
  file: string,
  tensor: string,
  where: (i: number) => string = (i) => `index ${i}`,
): void {
  const i = firstNonFinite(data);
  if (i < 0) return;
  throw new Error(
    `${file}: tensor '${tensor}' has a non-finite value ${data[i]} at ${where(i)} (corrupt or diverged weights)`,
  );
}

/** Writes tensors as float32/int32 safetensors, atomically (temporary file, then rename). */
export function writeSafetensors(
  path: string,
  tensors: Map<string, RawTensor>,
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length)
      throw new Error(`writeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    const dtype = t.data instanceof Int32Array ? 'I32' : 'F32';
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const headerBuf = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBuf.length + offset);
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0);
  headerBuf.copy(out, 8);
  let pos = 8 + headerBuf.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  writeFileAtomic(path, out);
}
