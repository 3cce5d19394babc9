/**
 * The suite's command line (`npm run bench -- [options]`) and the plan it implies: which
 * sections run and with what counts (full, --quick, or --records for a smoke run). Pure.
 */

/** Sections in the order they run. */
export const sectionNames = [
  'kafka2014',
  'clients',
  'peers',
  'partitions',
  'stored-data',
  'replication',
] as const;
export type SectionName = (typeof sectionNames)[number];

export interface SuiteOptions {
  quick: boolean;
  only: SectionName[];
  /** Output directory; default bench-results/<timestamp>/. */
  out: string | null;
  docs: boolean;
  profile: boolean;
  /** Base record count overriding the plan's (smoke runs). */
  records: number | null;
  help: boolean;
}

export const usage = `npm run bench -- [options]     (builds, then node dist/scripts/bench/suite.js)

  --quick               small counts: a smoke run in a few minutes
  --only <a,b,...>      sections: ${sectionNames.join(', ')} (scale = partitions,stored-data)
  --out <dir>           where the JSON, Markdown, SVG and profiles go (default bench-results/<timestamp>/)
  --docs                also write docs/benchmarks.md and docs/bench/*.svg
  --profile             run the brokers (and samsa bench clients) with node --cpu-prof; top functions in the report
  --records <n>         base record count for every section (smoke runs; overrides the plan)
  --help                this text
`;

/** Parse the suite's arguments; throws an Error with a usage hint on bad input. */
export function parseSuiteArgs(argv: string[]): SuiteOptions {
  const o: SuiteOptions = {
    quick: false,
    only: [...sectionNames],
    out: null,
    docs: false,
    profile: false,
    records: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n\n${usage}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--docs') o.docs = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--out') o.out = value();
    else if (a === '--records') {
      const v = value();
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 100)
        throw new Error(`--records must be an integer of at least 100, not "${v}"`);
      o.records = n;
    } else if (a === '--only') {
      const names = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .flatMap((s) => (s === 'scale' ? ['partitions', 'stored-data'] : [s]));
      for (const n of names)
        if (!(sectionNames as readonly string[]).includes(n))
          throw new Error(
            `--only: unknown section "${n}"; sections are ${sectionNames.join(', ')} (or scale)`,
          );
      o.only = sectionNames.filter((s) => names.includes(s));
    } else throw new Error(`unknown option ${a}\n\n${usage}`);
  }
  return o;
}

/** The counts every section runs with. */
export interface Plan {
  recordBytes: number;
  kafka2014: {
    records: number;
    partitions: number;
    e2eRate: number;
    e2eRecords: number;
    serialRecords: number;
  };
  clients: { records: number; inFlight: number };
  peers: { records: number };
  partitions: { counts: number[]; records: number };
  storedData: { bytes: number; windows: number };
  replication: { records: number; partitions: number; brokers: number };
}

export function planFor(o: SuiteOptions): Plan {
  const full = !o.quick;
  const base = o.records ?? (full ? 2_000_000 : 200_000);
  const recordBytes = 100;
  return {
    recordBytes,
    kafka2014: {
      records: base,
      partitions: 6,
      e2eRate: 10_000,
      e2eRecords: o.records ?? (full ? 300_000 : 50_000),
      serialRecords: Math.min(
        o.records ?? Number.POSITIVE_INFINITY,
        full && o.records === null ? 10_000 : 1_000,
      ),
    },
    clients: { records: o.records ?? (full ? 1_000_000 : 100_000), inFlight: 64 },
    peers: { records: o.records ?? (full ? 1_000_000 : 100_000) },
    partitions: {
      counts: o.records !== null ? [1, 10] : full ? [1, 100, 1000, 10_000] : [1, 100, 1000],
      records: o.records ?? (full ? 1_000_000 : 200_000),
    },
    storedData: {
      bytes: o.records !== null ? o.records * recordBytes * 10 : full ? 10 * 1024 ** 3 : 512 * 1024 ** 2,
      windows: o.records !== null ? 5 : full ? 50 : 16,
    },
    replication: { records: o.records ?? (full ? 1_000_000 : 100_000), partitions: 6, brokers: 3 },
  };
}
