import "server-only";

/** One logged point. `value` may be NaN or ±Infinity: float64 keeps them exactly. */
export interface MetricPoint {
  step: number;
  value: number;
  timestamp: number;
}

// Little-endian float64 triples (step, value, timestamp ms): 24 bytes a point, no parsing on read.
const POINT_BYTES = 24;

export function encodePoints(points: readonly MetricPoint[]): Uint8Array<ArrayBuffer> {
  // Its own ArrayBuffer (not Node's shared allocation pool), as Prisma's Bytes type wants.
  const buffer = Buffer.from(new ArrayBuffer(points.length * POINT_BYTES));
  let offset = 0;
  for (const p of points) {
    buffer.writeDoubleLE(p.step, offset);
    buffer.writeDoubleLE(p.value, offset + 8);
    buffer.writeDoubleLE(p.timestamp, offset + 16);
    offset += POINT_BYTES;
  }
  return new Uint8Array(buffer.buffer);
}

/** Columns of many chunks, concatenated in the order given. */
export interface PointColumns {
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

export function decodeChunks(chunks: readonly Uint8Array[]): PointColumns {
  const total = chunks.reduce((n, c) => n + Math.floor(c.byteLength / POINT_BYTES), 0);
  const steps = new Float64Array(total);
  const values = new Float64Array(total);
  const timestamps = new Float64Array(total);
  let i = 0;
  for (const chunk of chunks) {
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let offset = 0; offset + POINT_BYTES <= chunk.byteLength; offset += POINT_BYTES, i++) {
      steps[i] = view.getFloat64(offset, true);
      values[i] = view.getFloat64(offset + 8, true);
      timestamps[i] = view.getFloat64(offset + 16, true);
    }
  }
  return { steps, values, timestamps };
}
