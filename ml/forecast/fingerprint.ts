// Content fingerprints for the pod's caches: a cache hit must mean "the same input", so two
// independent 32-bit lanes (64 bits together) digest every number's bits and every string's
// characters. Each step multiplies and then folds the high bits back down, so a change in any
// bit of any word reaches the whole state (plain word-wise FNV lets high-bit changes cancel).

const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

// State lives in an Int32Array: as plain fields, 32-bit values outside the small-integer range
// were boxed on every step and the digest of a 150 KB request cost milliseconds.
export class Fingerprint {
  private readonly state = Int32Array.of(0x811c9dc5, 0x9747b28c);

  /** A 32-bit word (integers, lengths, separators). */
  word(w: number): this {
    const s = this.state;
    let a = Math.imul(s[0]! ^ w, 0x01000193);
    let b = Math.imul(s[1]! ^ w, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    s[0] = a;
    s[1] = b;
    return this;
  }

  /** Every bit of a double, so NaN, -0 and 0.1 + 0.2 all count as what they are. */
  number(v: number): this {
    scratch[0] = v;
    return this.word(scratchBits[0]!).word(scratchBits[1]!);
  }

  /** Length first, so [1, 2] + [3] and [1] + [2, 3] differ. */
  numbers(values: readonly number[]): this {
    this.word(values.length);
    for (let i = 0; i < values.length; i++) this.number(values[i]!);
    return this;
  }

  string(s: string): this {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this;
  }

  strings(values: readonly string[]): this {
    this.word(values.length);
    for (const s of values) this.string(s);
    return this;
  }

  digest(): string {
    return (this.state[0]! >>> 0).toString(16).padStart(8, "0") + (this.state[1]! >>> 0).toString(16).padStart(8, "0");
  }
}
