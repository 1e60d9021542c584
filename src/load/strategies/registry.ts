/**
 * Every write strategy by name, with the plan it takes: the one place that knows them all, like
 * providers/registry.ts for the read side. A new strategy is a new file beside these plus one
 * line in each map below; nothing else in load/ or sidecar/ changes shape.
 */
import { appendStrategy } from './append.js';
import type { IncrementalPlan } from './incremental-table.js';
import { mergeStrategy } from './merge.js';
import { newTableStrategy } from './new-table.js';
import { replaceStrategy, type ReplacePlan } from './replace.js';
import type { LoadPlan, WriteStrategy } from './write-strategy.js';

/** The plan each strategy's `begin` takes. */
export interface StrategyPlans {
  /** An import (cdb_connector_import). */
  'new-table': LoadPlan;
  /** A run of a sync table in the default mode (SPEC §5, §13 `"mode": "replace"`). */
  replace: ReplacePlan;
  /** SPEC §13 `"mode": "append"`: rows past the cursor's mark, inserted. */
  append: IncrementalPlan;
  /** SPEC §13 `"mode": "merge"`: rows read merged by primary key, deletes per `deletes`. */
  merge: IncrementalPlan;
}

export type StrategyName = keyof StrategyPlans;

const STRATEGIES: { readonly [K in StrategyName]: WriteStrategy<StrategyPlans[K]> } = {
  'new-table': newTableStrategy,
  replace: replaceStrategy,
  append: appendStrategy,
  merge: mergeStrategy,
};

export function writeStrategy<K extends StrategyName>(name: K): WriteStrategy<StrategyPlans[K]> {
  return STRATEGIES[name];
}
