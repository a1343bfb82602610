import Module, { createRequire } from 'node:module';

/*
 * A leaner encoder of one Kafka record (the v2 record format, inside a record batch) for
 * kafkajs 2.2.4, which is pinned and no longer released. kafkajs builds each record with a new
 * zero-filled 512-byte buffer for the record and one for each header, grows them by copying,
 * and writes every varint through a fresh Buffer.from([...]): about ten allocations per record.
 * The tracking ingester writes one record with three headers per accepted event, and in its
 * profile this encoding (and the garbage it leaves) was the largest cost after JSON. This one
 * sizes the record first and writes it into one buffer of that size, byte for byte what kafkajs
 * writes (record-encoder.spec.ts compares the two on keys, values and headers of every kind).
 *
 * It replaces kafkajs's module `protocol/recordBatch/record/v0` (and the batch checksum, below)
 * in the require cache, so it must be installed before kafkajs loads its record batch module
 * (lazily, on a process's first fetch or produce); `installRecordEncoder` says whether it could. What would lift this: a Kafka client
 * that encodes records without per-field allocations.
 */

/** What kafkajs's types let a message carry (kafkajs itself fails on anything else, e.g. a number, while sizing it). */
type Bytes = Buffer | string;

interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes | null;
  value?: Bytes | null;
  headers?: Record<string, Bytes | Bytes[] | null | undefined> | null;
}

/** What kafkajs's record batch reads of a record: its `Encoder`'s `buf` and `buffer`. */
interface EncodedRecord {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

const kafkajsRequire = createRequire(require.resolve('kafkajs'));
const RECORD_MODULE = kafkajsRequire.resolve('./src/protocol/recordBatch/record/v0/index.js');
const CRC32C_MODULE = kafkajsRequire.resolve('./src/protocol/recordBatch/crc32C/index.js');
const RECORD_BATCH_MODULE = kafkajsRequire.resolve('./src/protocol/recordBatch/v0/index.js');
const PRODUCE_V3_MODULE = kafkajsRequire.resolve('./src/protocol/requests/produce/v3/request.js');
const Encoder = kafkajsRequire('./src/protocol/encoder.js') as { prototype: object };

/** Zigzag of a 32-bit int, as an unsigned 32-bit value (kafkajs: `(v << 1) ^ (v >> 31)`). */
const zigzag32 = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;

function sizeOfUVarInt(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

/** Zigzag of a 64-bit int given as a number (exact up to 2^52 in magnitude, far beyond any timestamp delta). */
function zigzag64(value: number): number {
  const v = Number.isFinite(value) ? Math.trunc(value) : 0;
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function writeUVarInt(buf: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[offset++] = value;
  return offset;
}

/** A key, value or header value as kafkajs writes it: null and undefined are absent (-1), a Buffer as is, a string as UTF-8. */
const bytesOf = (value: Bytes | null | undefined): Bytes | null => value ?? null;

const byteLength = (value: Bytes): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);

/** Encodes one record as kafkajs's `Record` does, into one buffer. */
export function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers }: RecordInput): EncodedRecord {
  const fields: (Bytes | null)[] = [bytesOf(key), bytesOf(value)];
  let headerCount = 0;
  if (headers) {
    for (const name of Object.keys(headers)) {
      const entry = headers[name];
      for (const item of Array.isArray(entry) ? entry : [entry]) {
        fields.push(name, bytesOf(item));
        headerCount++;
      }
    }
  }
  const lengths = fields.map((f) => (f === null ? -1 : byteLength(f)));
  const ts = zigzag64(timestampDelta);
  let body = 1 + sizeOfUVarInt(ts) + sizeOfUVarInt(zigzag32(offsetDelta)) + sizeOfUVarInt(zigzag32(headerCount));
  for (const length of lengths) body += sizeOfUVarInt(zigzag32(length)) + Math.max(0, length);
  const size = sizeOfUVarInt(zigzag32(body)) + body;

  const buf = Buffer.allocUnsafe(size);
  let at = writeUVarInt(buf, 0, zigzag32(body));
  buf[at++] = 0; // attributes: none used
  at = writeUVarInt(buf, at, ts);
  at = writeUVarInt(buf, at, zigzag32(offsetDelta));
  const writeField = (i: number) => {
    const field = fields[i]!;
    at = writeUVarInt(buf, at, zigzag32(lengths[i]!));
    if (field === null) return;
    if (typeof field === 'string') at += buf.write(field, at, 'utf8');
    else at += field.copy(buf, at);
  };
  writeField(0);
  writeField(1);
  at = writeUVarInt(buf, at, zigzag32(headerCount));
  for (let i = 2; i < fields.length; i++) writeField(i);
  if (at !== size) throw new Error(`record encoder wrote ${at} bytes of ${size}`);

  // A kafkajs Encoder holding exactly these bytes: the record batch copies `buffer` of each.
  const encoded = Object.create(Encoder.prototype) as EncodedRecord;
  encoded.buf = buf;
  encoded.offset = size;
  return encoded;
}

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of a record batch, eight bytes a step
 * ("slicing by 8": table k holds the CRC of a byte followed by k zero bytes). kafkajs's own goes
 * a byte a step; the checksum covers every byte the ingester produces (6 % of its profile).
 */
const CRC_TABLES: Int32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let k = 1; k < 8; k++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[k]![n] = c;
    }
  }
  return tables;
})();

/** The CRC-32C of `buffer`, unsigned, as kafkajs's `crc32C` answers it. */
export function crc32c(buffer: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  let crc = -1;
  let i = 0;
  const end8 = buffer.length - (buffer.length % 8);
  for (; i < end8; i += 8) {
    const lo = (buffer[i]! | (buffer[i + 1]! << 8) | (buffer[i + 2]! << 16) | (buffer[i + 3]! << 24)) ^ crc;
    crc =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[buffer[i + 4]!]! ^
      t2[buffer[i + 5]!]! ^
      t1[buffer[i + 6]!]! ^
      t0[buffer[i + 7]!]!;
  }
  for (; i < buffer.length; i++) crc = t0[(crc ^ buffer[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * Puts `encodeRecord` and `crc32c` in place of kafkajs's record encoder and checksum for this
 * process. Answers false (and changes nothing) when kafkajs already loaded the modules that
 * hold the originals: call it at start-up, before the first fetch or produce.
 */
export function installRecordEncoder(): boolean {
  // kafkajs's record batch module holds its checksum from its load (on the first fetch or produce).
  const installed = (path: string, fn: unknown) => require.cache[path]?.exports === fn;
  if (require.cache[PRODUCE_V3_MODULE] || require.cache[RECORD_BATCH_MODULE])
    return installed(RECORD_MODULE, encodeRecord) && installed(CRC32C_MODULE, crc32c);
  for (const [path, fn] of [
    [RECORD_MODULE, encodeRecord],
    [CRC32C_MODULE, crc32c],
  ] as const) {
    const replacement = new Module(path);
    replacement.filename = path;
    replacement.loaded = true;
    replacement.exports = fn;
    require.cache[path] = replacement;
  }
  return true;
}
