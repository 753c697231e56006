import { describe, expect, it } from 'vitest';
import { planMemory, type TensorUse } from '../../src/plan/liveness.ts';

/** No two tensors that are alive at the same step may share a slot. */
function expectNoOverlap(uses: TensorUse[], slotOf: Map<string, number>): void {
  const roots = uses.filter((u) => !u.aliasOf);
  for (const a of roots) for (const b of roots) {
    if (a === b || slotOf.get(a.name) !== slotOf.get(b.name)) continue;
    expect(a.last < b.first || b.last < a.first, `${a.name} (steps ${a.first}–${a.last}) and ${b.name} (steps ${b.first}–${b.last}) share slot ${slotOf.get(a.name)} while both alive`).toBe(true);
  }
}

describe('activation memory planning', () => {
  it('reuses the memory of a chain: two slots for any length', () => {
    const uses: TensorUse[] = Array.from({ length: 8 }, (_, i) => ({ name: `t${i}`, bytes: 1000 - i * 10, first: i - 1, last: i === 7 ? Infinity : i }));
    const plan = planMemory(uses);
    expect(plan.slotBytes).toHaveLength(2);
    expect(plan.arenaBytes).toBeLessThan(plan.activationBytes / 3);
    expectNoOverlap(uses, plan.slotOf);
  });

  it('keeps a residual input alive across the branch', () => {
    const uses: TensorUse[] = [
      { name: 'x', bytes: 64, first: -1, last: 2 },
      { name: 'a', bytes: 64, first: 0, last: 1 },
      { name: 'b', bytes: 64, first: 1, last: 2 },
      { name: 'sum', bytes: 64, first: 2, last: Infinity },
    ];
    const plan = planMemory(uses);
    expectNoOverlap(uses, plan.slotOf);
    expect(plan.slotOf.get('sum')).toBe(plan.slotOf.get('a'));
  });

  it('puts an alias in its root slot and keeps the root alive as long as the alias', () => {
    const uses: TensorUse[] = [
      { name: 'x', bytes: 64, first: -1, last: 0 },
      { name: 'y', bytes: 64, first: 0, last: 1 },
      { name: 'flat', bytes: 64, first: 1, last: 3, aliasOf: 'y' },
      { name: 'z', bytes: 64, first: 2, last: 3 },
      { name: 'out', bytes: 64, first: 3, last: Infinity },
    ];
    const plan = planMemory(uses);
    expect(plan.slotOf.get('flat')).toBe(plan.slotOf.get('y'));
    expect(plan.slotOf.get('z')).not.toBe(plan.slotOf.get('y'));
    expectNoOverlap(uses.map((u) => (u.name === 'y' ? { ...u, last: 3 } : u)), plan.slotOf);
  });
});
