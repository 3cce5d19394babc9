/** The type of a tap subtest's `t`, for helpers that assert (tap does not export it by name). */
import type tap from 'tap';

export type TapTest = Parameters<Parameters<typeof tap.test>[0]>[0];
