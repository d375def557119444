import { allowedCpus, parseCpuList, splitCpus } from "./cpu-isolation.js";

describe("parseCpuList", () => {
  it("reads single vCPUs and ranges, sorted and without repeats", () => {
    expect(parseCpuList("0,1")).toEqual([0, 1]);
    expect(parseCpuList(" 4-6,0,5\n")).toEqual([0, 4, 5, 6]);
  });

  it("names the part it cannot read", () => {
    expect(() => parseCpuList("0,x")).toThrow("part 'x'");
    expect(() => parseCpuList("3-1")).toThrow("runs backwards");
  });
});

describe("splitCpus", () => {
  it("gives the contender the last vCPU and the rest everything else", () => {
    expect(splitCpus([0, 1])).toEqual({ contender: "1", rest: "0", all: "0,1" });
    expect(splitCpus([0, 2, 3, 7])).toEqual({ contender: "7", rest: "0,2,3", all: "0,2,3,7" });
  });

  it("has nothing to isolate on one vCPU", () => {
    expect(splitCpus([3])).toBeUndefined();
  });
});

describe("allowedCpus", () => {
  it("reads this process's affinity from taskset", () => {
    const cpus = allowedCpus();
    expect(cpus.length).toBeGreaterThan(0);
    expect(cpus.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
  });
});
