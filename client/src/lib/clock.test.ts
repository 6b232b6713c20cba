/** The shared wall clock: one interval, ticking each second, and ages computed from it. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clock } from "./clock.svelte";

describe("Clock", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-01-02T15:00:00.000Z"));
    clock.nowMs = Date.now();
  });
  afterEach(() => {
    clock.stop();
    vi.useRealTimers();
  });

  it("ticks once a second after start and stops ticking after stop", () => {
    clock.start();
    vi.advanceTimersByTime(999);
    expect(clock.nowMs).toBe(Date.parse("2026-01-02T15:00:00.000Z"));
    vi.advanceTimersByTime(1);
    expect(clock.nowMs).toBe(Date.parse("2026-01-02T15:00:01.000Z"));
    vi.advanceTimersByTime(4000);
    expect(clock.nowMs).toBe(Date.parse("2026-01-02T15:00:05.000Z"));
    clock.stop();
    vi.advanceTimersByTime(10_000);
    expect(clock.nowMs).toBe(Date.parse("2026-01-02T15:00:05.000Z"));
    expect(vi.getTimerCount()).toBe(0);
  });

  it("runs a single interval however often it is started", () => {
    clock.start();
    clock.start();
    clock.start();
    expect(vi.getTimerCount()).toBe(1);
  });

  it("gives ages from the ticking clock, never negative, null for unknown or unreadable times", () => {
    clock.start();
    expect(clock.ageOf("2026-01-02T14:59:30.000Z")).toBe(30_000);
    vi.advanceTimersByTime(2000);
    expect(clock.ageOf("2026-01-02T14:59:30.000Z")).toBe(32_000);
    // A timestamp ahead of the browser's clock (skew) reads as just now.
    expect(clock.ageOf("2026-01-02T15:01:00.000Z")).toBe(0);
    expect(clock.ageOf(null)).toBeNull();
    expect(clock.ageOf(undefined)).toBeNull();
    expect(clock.ageOf("yesterday")).toBeNull();
  });
});
