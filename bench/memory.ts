/**
 * Memory and CPU over one measurement: `process.memoryUsage()` sampled every
 * 100 ms (the whole stack but DynamoDB Local runs in this process), the
 * DynamoDB Local JVM's resident set from /proc/<pid>/status, and CPU time of
 * both (process.cpuUsage(), /proc/<pid>/stat), so a measurement says where
 * its time went.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface MemoryReport {
  /** Samples taken. */
  samples: number;
  /** RSS of this process when the measurement began, MiB. */
  rssStartMiB: number;
  /** Peak RSS of this process, MiB. */
  rssPeakMiB: number;
  /** Peak V8 heap in use, MiB. */
  heapUsedPeakMiB: number;
  /** Heap in use when the measurement began (after a full GC), MiB. */
  heapUsedStartMiB: number;
  /** Peak RSS of the DynamoDB Local JVM, MiB (undefined without /proc). */
  jvmRssPeakMiB: number | undefined;
  /** CPU seconds this process used during the measurement (user + system). */
  nodeCpuS: number;
  /** CPU seconds the DynamoDB Local JVM used during the measurement. */
  jvmCpuS: number | undefined;
}

const MiB = 1024 * 1024;
let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** VmRSS of a process in MiB, or undefined. */
export function processRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in seconds, or undefined. */
export function processCpuS(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Starts sampling; `stop()` returns the report. */
export function sampleMemory(jvmPid: number | undefined, intervalMs = 100): { stop(): MemoryReport } {
  const first = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  const jvmCpu0 = processCpuS(jvmPid);
  let samples = 1;
  let rssPeak = first.rss;
  let heapPeak = first.heapUsed;
  let jvmPeak = processRssMiB(jvmPid);
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > rssPeak) rssPeak = m.rss;
    if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
    const j = processRssMiB(jvmPid);
    if (j !== undefined && (jvmPeak === undefined || j > jvmPeak)) jvmPeak = j;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): MemoryReport {
      clearInterval(timer);
      sample();
      const cpu = process.cpuUsage(cpu0);
      const jvmCpu1 = processCpuS(jvmPid);
      return {
        samples,
        rssStartMiB: first.rss / MiB,
        rssPeakMiB: rssPeak / MiB,
        heapUsedStartMiB: first.heapUsed / MiB,
        heapUsedPeakMiB: heapPeak / MiB,
        jvmRssPeakMiB: jvmPeak,
        nodeCpuS: (cpu.user + cpu.system) / 1e6,
        jvmCpuS: jvmCpu0 === undefined || jvmCpu1 === undefined ? undefined : jvmCpu1 - jvmCpu0,
      };
    },
  };
}
