/**
 * Where the tests find their data files: inside the clone, so the suite runs from any folder with
 * nothing beside it.
 */
import { fileURLToPath } from 'node:url'

/**
 * The gateway-conformance suite's fixtures (ipfs/gateway-conformance v0.13.2), as a folder path;
 * `test/fixtures/gateway-conformance/README.md` says what each folder holds.
 */
export const GATEWAY_CONFORMANCE_FIXTURES = fileURLToPath(new URL('../fixtures/gateway-conformance/', import.meta.url))

/**
 * Kubo's `dag stat` fixture (kubo test/cli/fixtures/TestDagStat.car): two dag-cbor roots that share
 * one block, under a third root; Kubo's test prints its table for the two roots.
 */
export const KUBO_DAG_STAT_CAR = fileURLToPath(new URL('../fixtures/kubo-dag-stat.car', import.meta.url))
