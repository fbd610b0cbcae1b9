/**
 * The Node flags every worker process starts with (package.json, Makefile, Dockerfile, the systemd
 * unit, the demo and the benchmarks; test/deploy/node-flags.test.ts checks the files agree).
 *
 * V8 lets a heap grow in proportion to its limit before it collects, and Node's default limit here
 * is about 4 GB, so garbage piled up in both of the worker's heaps (its main thread's and the
 * workflow thread's). A 192 MB limit per heap and a 4 MB young-generation semi-space keep them
 * collected: at 5,000 exposures (bench/scale.ts) the worker peaked at 261–279 MB rather than
 * 361–377 MB, for a little more time collecting (within the run-to-run spread of the instant
 * benchmark). The live data in each heap stayed under 60 MB at 5,000 exposures, the most one run
 * takes (MAX_EXPOSURES_PER_RUN).
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=4'];
