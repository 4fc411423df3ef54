// HyperLogLog distinct count (lg_k = 12 → 4,096 registers, relative standard error ≈ 1.04/√4096 ≈ 1.6%).
// Merge = register-wise max: associative and commutative exactly.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function fmix(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mix(h: number, k0: number): number {
  let k = Math.imul(k0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

/** Two independent 32-bit hashes of a value (murmur3-style mixing). */
export function hashValue(value: string | number, seed: number): number {
  let h = seed;
  if (typeof value === 'number') {
    F64[0] = value === 0 ? 0 : value;
    h = mix(h, U32[0]!);
    h = mix(h, U32[1]!);
    return fmix(h ^ 8);
  }
  const len = value.length;
  let i = 0;
  for (; i + 1 < len; i += 2) h = mix(h, value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16));
  if (i < len) h = mix(h, value.charCodeAt(i));
  return fmix(h ^ len);
}

export class HyperLogLog {
  static readonly LG_K = 12;
  readonly registers = new Uint8Array(1 << HyperLogLog.LG_K);

  add(value: string | number): void {
    const h1 = hashValue(value, 0x9747b28c);
    const h2 = hashValue(value, 0x5bd1e995);
    const index = h1 >>> (32 - HyperLogLog.LG_K);
    // Rank = position of the first 1-bit among the 52 remaining bits (20 from h1, then 32 from h2).
    const low = h1 & ((1 << (32 - HyperLogLog.LG_K)) - 1);
    let rank: number;
    if (low !== 0) rank = Math.clz32(low) - HyperLogLog.LG_K + 1;
    else rank = 32 - HyperLogLog.LG_K + (h2 === 0 ? 33 : Math.clz32(h2) + 1);
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const e = (alpha * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return e;
  }

  merge(other: HyperLogLog): HyperLogLog {
    const out = new HyperLogLog();
    for (let i = 0; i < out.registers.length; i++)
      out.registers[i] = Math.max(this.registers[i]!, other.registers[i]!);
    return out;
  }

  toJSON(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  static fromJSON(text: string): HyperLogLog {
    const h = new HyperLogLog();
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === h.registers.length) h.registers.set(bytes);
    return h;
  }
}
