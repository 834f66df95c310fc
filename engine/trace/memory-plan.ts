/**
 * Memory planning for a replayed schedule: buffers whose lifetimes do not overlap share memory.
 *
 * A recording allocates a fresh array for every intermediate of the step (the IAPO update: ~390 MiB),
 * yet few are live at once. The plan gives each allocation an interval [first step, last step] and
 * packs them into shared slots greedily by size (largest first, each into the smallest slot whose
 * intervals it does not overlap: the "greedy by size" of Pisarchyk & Lee, 2020, "Efficient Memory
 * Management for Deep Neural Net Inference"), then rebinds every kernel call to views of its slots.
 * Replay then does the same arithmetic in the same order on other addresses, so its results are
 * bit-identical; only where each intermediate lives changes, and far less memory stays hot.
 *
 * An allocation keeps its own array (is pinned) when anything could see it outside the schedule:
 *  - a tensor created during the step still holds it after the step returned (the step's result,
 *    or a tensor the step stored somewhere), or no tensor ever held it (found by `Recording`);
 *  - a host call touches it (host calls are closures over their own arrays and cannot be rebound);
 *  - JavaScript filled it before any step wrote it (a constant).
 * (A view of an intermediate made outside the engine never gets this far: it is a new array in each
 * recording, so the two recordings differ and the step is refused.)
 * Every kernel writes all of its output, and an allocation's first step writes it (a first read
 * would have made it a constant), so a slot's earlier contents are never read.
 */
import type { DType, FloatArray } from '../kernels/types.ts';
import type { Recording, Resolve } from './recorder.ts';

export interface PlannedSchedule {
  readonly runs: readonly (() => void)[];
  /** The arrays the schedule runs on that it must keep alive: shared slots and pinned allocations. */
  readonly buffers: readonly FloatArray[];
}

interface Slot {
  readonly dtype: DType;
  /** Elements: its first (largest) allocation's. */
  readonly capacity: number;
  /** [first step, last step] of each allocation placed in it; disjoint. */
  readonly intervals: [number, number][];
  array: FloatArray | null;
}

const dtypeOf = (a: FloatArray): DType => (a instanceof Float64Array ? 'float64' : 'float32');

/**
 * The schedule of `recording` over shared buffers. `reachable[i]` says whether allocation i may be
 * seen from outside the recording (Recording.reachableAllocations).
 */
export function planMemory(recording: Recording, reachable: readonly boolean[]): PlannedSchedule {
  const { allocations, steps } = recording;
  const isAllocation = new Map<FloatArray, number>();
  allocations.forEach((a, i) => isAllocation.set(a, i));

  const pinned = reachable.slice();
  for (const c of recording.constants) pinned[c.allocation] = true;
  const first = new Array<number>(allocations.length).fill(-1);
  const last = new Array<number>(allocations.length).fill(-1);
  steps.forEach((step, s) => {
    for (const array of step.arrays) {
      const i = isAllocation.get(array);
      if (i === undefined) continue;
      if (step.rebind === null) pinned[i] = true;
      if (first[i] < 0) first[i] = s;
      last[i] = s;
    }
  });

  // greedy by size: largest first, each into the smallest slot it does not overlap in time
  const order = allocations.map((_, i) => i).filter((i) => !pinned[i] && first[i] >= 0)
    .sort((x, y) => allocations[y].length - allocations[x].length || first[x] - first[y]);
  const slots: Slot[] = [];
  const slotOf = new Map<number, Slot>();
  for (const i of order) {
    const dtype = dtypeOf(allocations[i]);
    let best: Slot | null = null;
    for (const slot of slots) {
      if (slot.dtype !== dtype || (best !== null && slot.capacity >= best.capacity)) continue;
      if (slot.intervals.every(([from, to]) => to < first[i] || from > last[i])) best = slot;
    }
    if (best === null) {
      best = { dtype, capacity: allocations[i].length, intervals: [], array: null };
      slots.push(best);
    }
    best.intervals.push([first[i], last[i]]);
    slotOf.set(i, best);
  }

  for (const slot of slots) slot.array = recording.real.allocate(slot.dtype, slot.capacity);
  const views = new Map<FloatArray, FloatArray>();
  for (const [i, slot] of slotOf) views.set(allocations[i], slot.array!.subarray(0, allocations[i].length));
  const resolve: Resolve = (array) => (views.get(array) ?? array) as typeof array;

  const runs = steps.map((step, s) => (step.rebind ? step.rebind(resolve) : recording.runs[s]));
  return { runs, buffers: [...slots.map((slot) => slot.array!), ...allocations.filter((_, i) => pinned[i])] };
}
