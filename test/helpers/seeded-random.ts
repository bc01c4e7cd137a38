// A small deterministic generator (xorshift) for the property tests, so that a failure can be
// reproduced from its seed.
export function randomOf(seed: number) {
  let x = seed | 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(items: readonly T[]): T => items[int(items.length)]!;
  const uuid = () => Array.from({ length: 32 }, () => '0123456789abcdef'[int(16)]).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  return { next, int, pick, uuid };
}

export type Random = ReturnType<typeof randomOf>;
